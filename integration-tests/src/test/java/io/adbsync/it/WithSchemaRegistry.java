package io.adbsync.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Marks a {@link WithLocalStack} test class whose stack runs a schema registry and has the Avro converter. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface WithSchemaRegistry {
}
