package io.twotower.jobs;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The one way tests get Spark: a real local[2] session with Delta and Kryo set up exactly as the
 * jobs set them up, one per test class. Annotate a static field:
 *
 * <pre>
 *   &#64;SparkTestSession static SparkSession spark;
 * </pre>
 *
 * The session is started before the class's {@code @BeforeAll} methods run and stopped after its
 * {@code @AfterAll} methods (see {@link SparkTestSessionExtension}).
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(SparkTestSessionExtension.class)
public @interface SparkTestSession {}
