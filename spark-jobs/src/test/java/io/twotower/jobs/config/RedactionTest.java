package io.twotower.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RedactionTest {

  static final Pattern SPARK_DEFAULT = Pattern.compile(Redaction.SPARK_DEFAULT_REGEX);

  @Test
  void hidesTheValuesOfSecretKeysAndKeepsTheirNamesAndEverythingElse() {
    Config config =
        ConfigLoader.load(
            null,
            Map.of(
                "spark.conf.\"spark.hadoop.fs.s3a.secret.key\"", "s3-secret-value",
                "spark.conf.\"spark.hadoop.fs.s3a.access.key\"", "s3-access-value",
                "spark.conf.\"spark.ssl.keyPassword\"", "tls-password-value",
                "spark.conf.\"spark.sql.shuffle.partitions\"", "3"));

    Config redacted = Redaction.redact(config, SPARK_DEFAULT);

    String rendered = redacted.root().render();
    assertThat(rendered)
        .doesNotContain("s3-secret-value")
        .doesNotContain("s3-access-value")
        .doesNotContain("tls-password-value");
    Config spark = redacted.getConfig("spark.conf");
    assertThat(spark.getString("\"spark.hadoop.fs.s3a.secret.key\"")).isEqualTo(Redaction.REDACTED);
    assertThat(spark.getString("\"spark.hadoop.fs.s3a.access.key\"")).isEqualTo(Redaction.REDACTED);
    assertThat(spark.getString("\"spark.ssl.keyPassword\"")).isEqualTo(Redaction.REDACTED);
    assertThat(spark.getString("\"spark.sql.shuffle.partitions\"")).isEqualTo("3");
    // Nothing of the project's own settings matches Spark's pattern: all of them stay as they are.
    assertThat(redacted.withoutPath("spark")).isEqualTo(config.withoutPath("spark"));
  }

  @Test
  void anOperatorsWiderPatternHidesMore() {
    Config config = ConfigFactory.parseMap(Map.of("source.generic.events-path", "s3a://bucket/x"));

    assertThat(Redaction.redact(config, SPARK_DEFAULT)).isEqualTo(config);
    assertThat(
            Redaction.redact(config, Pattern.compile("(?i)events-path"))
                .getString("source.generic.events-path"))
        .isEqualTo(Redaction.REDACTED);
  }
}
