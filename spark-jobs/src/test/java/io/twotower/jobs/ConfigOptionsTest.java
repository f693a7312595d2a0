package io.twotower.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.config.JobConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** --data-dir as a user types it: URIs of any file system arrive intact, a path becomes file:. */
class ConfigOptionsTest {

  @Command
  static final class Job {
    @Mixin ConfigOptions options = new ConfigOptions();
  }

  @TempDir Path scratch;

  private JobConfig parse(String... args) {
    Job job = new Job();
    new CommandLine(job).parseArgs(args);
    return job.options.load();
  }

  @Test
  void anObjectStoreUriKeepsItsBucket() {
    assertThat(parse("--data-dir", "s3a://bucket/two-tower").dataDir().toString())
        .isEqualTo("s3a://bucket/two-tower");
    assertThat(parse("--data-dir", "hdfs://namenode:8020/data/tt").dataDir().toString())
        .isEqualTo("hdfs://namenode:8020/data/tt");
  }

  @Test
  void aFileUriAndAPlainPathNameTheSameFolder() {
    Path folder = scratch.resolve("data");
    assertThat(parse("--data-dir", folder.toUri().toString()).dataDir())
        .isEqualTo(parse("--data-dir", folder.toString()).dataDir());
    assertThat(parse("--data-dir", folder.toString()).dataDir().toString())
        .isEqualTo("file:" + folder.toAbsolutePath());
  }
}
