package io.twotower.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Hides the values of secret-bearing settings (an S3 secret key or a password passed through {@code
 * spark.conf}, say) in what the project writes down, as Spark does in its UI, event log and logs: a
 * key matching {@code spark.redaction.regex} keeps its name and loses its value.
 */
public final class Redaction {

  /** Spark's default {@code spark.redaction.regex}. */
  public static final String SPARK_DEFAULT_REGEX = "(?i)secret|password|token|access[.]key";

  /** Spark's own replacement text, so that a redacted value reads the same everywhere. */
  public static final String REDACTED = "*********(redacted)";

  private Redaction() {}

  /**
   * {@code config} with the value of every setting whose full path (e.g. {@code
   * spark.conf."spark.hadoop.fs.s3a.secret.key"}) matches {@code keys} replaced by {@link
   * #REDACTED}.
   */
  public static Config redact(Config config, Pattern keys) {
    Config redacted = config;
    for (Map.Entry<String, ConfigValue> setting : config.entrySet()) {
      if (keys.matcher(setting.getKey()).find()) {
        redacted = redacted.withValue(setting.getKey(), ConfigValueFactory.fromAnyRef(REDACTED));
      }
    }
    return redacted;
  }
}
