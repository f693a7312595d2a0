package io.twotower.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.junit.jupiter.api.Test;

/** A real local SparkContext, stopped from outside the stage as a refusing master stops it. */
class StoppedSessionWatchTest {

  private static SparkContext context() {
    return new SparkContext(
        new SparkConf()
            .setMaster("local[1]")
            .setAppName("StoppedSessionWatchTest")
            .set("spark.ui.enabled", "false")
            .set("spark.driver.host", "127.0.0.1")
            .set("spark.driver.bindAddress", "127.0.0.1"));
  }

  @Test
  void aStageStillRunningAGraceAfterTheStopIsEnded() throws Exception {
    SparkContext context = context();
    CountDownLatch ended = new CountDownLatch(1);
    try (StoppedSessionWatch watch =
        StoppedSessionWatch.start(context, Duration.ofMillis(200), ended::countDown)) {
      Thread.sleep(700);
      assertThat(ended.getCount()).as("ended while the context ran").isEqualTo(1);
      context.stop();
      assertThat(ended.await(10, TimeUnit.SECONDS)).as("ended after the stop").isTrue();
    }
  }

  @Test
  void aStageThatEndsBeforeTheGraceIsLeftAlone() throws Exception {
    SparkContext context = context();
    CountDownLatch ended = new CountDownLatch(1);
    StoppedSessionWatch watch =
        StoppedSessionWatch.start(context, Duration.ofMillis(1500), ended::countDown);
    context.stop();
    Thread.sleep(300);
    // The stage failed on its own and closed the watch within the grace.
    watch.close();
    assertThat(ended.await(3, TimeUnit.SECONDS)).as("ended after close").isFalse();
  }
}
