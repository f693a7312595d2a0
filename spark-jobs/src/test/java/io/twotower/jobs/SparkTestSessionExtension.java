package io.twotower.jobs;

import io.twotower.jobs.spark.SparkSessions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Starts the session of a class's {@link SparkTestSession} field before its {@code @BeforeAll}
 * methods and stops it after its {@code @AfterAll} methods. The warehouse lives in a temporary
 * folder removed with the session.
 */
public final class SparkTestSessionExtension implements BeforeAllCallback, AfterAllCallback {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(SparkTestSessionExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Field field = sessionField(context.getRequiredTestClass());
    Path warehouse = Files.createTempDirectory("two-tower-test-warehouse");
    SparkSession spark = start(warehouse);
    field.setAccessible(true);
    field.set(null, spark);
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    store.put(SparkSession.class, spark);
    store.put(Path.class, warehouse);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    store.remove(SparkSession.class, SparkSession.class).stop();
    deleteRecursively(store.remove(Path.class, Path.class));
  }

  /** The session every test class gets; public for jqwik classes, which run no extensions. */
  public static SparkSession start(Path warehouse) {
    return SparkSessions.withRequiredSettings(
            SparkSession.builder()
                .master("local[2]")
                .appName("two-tower-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                // Delta reads a table's log with 50 tasks by default; the tests' logs are tiny.
                .config("spark.databricks.delta.snapshotPartitions", "2")
                .config("spark.default.parallelism", "2")
                .config("spark.sql.warehouse.dir", warehouse.toString())
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1"))
        .getOrCreate();
  }

  private static Field sessionField(Class<?> testClass) {
    List<Field> fields =
        AnnotationSupport.findAnnotatedFields(testClass, SparkTestSession.class).stream()
            .filter(f -> f.getType() == SparkSession.class && Modifier.isStatic(f.getModifiers()))
            .toList();
    if (fields.size() != 1) {
      throw new ExtensionConfigurationException(
          testClass.getName()
              + " needs exactly one `@SparkTestSession static SparkSession` field, found "
              + fields.size());
    }
    return fields.get(0);
  }

  private static void deleteRecursively(Path folder) {
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the test warehouse " + folder, e);
    }
  }
}
