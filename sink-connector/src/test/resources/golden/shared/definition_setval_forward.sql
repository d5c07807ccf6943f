SELECT setval(CAST(? AS regclass), ?, ?) FROM "sales"."code_seq" WHERE ? * (CASE WHEN is_called THEN last_value + CAST(? AS numeric) ELSE last_value END) < ? * CAST(? AS numeric);
