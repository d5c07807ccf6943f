package io.adbsync.sink.ddl;

import org.apache.kafka.connect.errors.ConnectException;

/**
 * The destination table cannot be made to fit a record because of what the record says (a type the destination
 * lacks, a type name that is not one, a column or table the config forbids adding): the record's fault, so it may
 * go to the dead-letter queue, unlike a failure of the destination or the config.
 */
public class RecordSchemaException extends ConnectException {

    public RecordSchemaException(String message) {
        super(message);
    }
}
