package io.twotower.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.JobException;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class SparkSessionsTest {

  static SparkConf conf(String master, boolean authenticate) {
    return new SparkConf(false)
        .set("spark.master", master)
        .set("spark.authenticate", Boolean.toString(authenticate));
  }

  @Test
  void aStandaloneDriverWithAuthenticationTakesTheSecretFromTheEnvironment() {
    assertThat(SparkSessions.authSecretFromEnvironment(conf("spark://h:7077", true), "s3cr3t"))
        .contains("s3cr3t");
  }

  @Test
  void aStandaloneDriverWithAuthenticationAndNoSecretIsRefusedWithHowToSetOne() {
    assertThatThrownBy(
            () -> SparkSessions.authSecretFromEnvironment(conf("spark://h:7077", true), null))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("spark.authenticate=true")
        .hasMessageContaining("spark://h:7077")
        .hasMessageContaining("export SPARK_AUTH_SECRET");
    assertThatThrownBy(
            () -> SparkSessions.authSecretFromEnvironment(conf("spark://h:7077", true), " "))
        .isInstanceOf(JobException.class);
  }

  @Test
  void nothingIsAddedWithoutAuthenticationOrWithAConfiguredSecret() {
    assertThat(SparkSessions.authSecretFromEnvironment(conf("spark://h:7077", false), "s3cr3t"))
        .isEmpty();
    SparkConf configured = conf("spark://h:7077", true).set("spark.authenticate.secret", "given");
    assertThat(SparkSessions.authSecretFromEnvironment(configured, "s3cr3t")).isEmpty();
  }

  @Test
  void localAndYarnMakeUpTheirOwnSecretWhenNoneIsExported() {
    assertThat(SparkSessions.authSecretFromEnvironment(conf("local[2]", true), null)).isEmpty();
    assertThat(SparkSessions.authSecretFromEnvironment(conf("yarn", true), null)).isEmpty();
  }
}
