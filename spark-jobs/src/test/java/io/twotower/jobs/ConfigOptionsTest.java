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

  /**
   * Without --config and without conf/local.conf under the working directory (spark-jobs/ in
   * tests), data-dir is the default: a table missing there says so, instead of only "the stage that
   * writes it has not run".
   */
  @Test
  void aMissingTableSaysWhereDataDirCameFrom() {
    Job job = new Job();
    new CommandLine(job).parseArgs();
    JobConfig defaults = job.options.load();
    assertThat(job.options.configFile()).isNull();
    String source = job.options.dataDirSource(defaults);
    assertThat(source)
        .contains("is the built-in default: no config file was loaded")
        .contains("no conf/local.conf under the working directory " + Path.of("").toAbsolutePath());
    assertThat(JobErrors.missingTable("events", "file:/x/data/events", source).getMessage())
        .contains("has not run with this data-dir; data-dir = ")
        .contains("no config file was loaded");

    // Set on the command line or in a file, data-dir is what the user chose: nothing to add.
    Job set = new Job();
    new CommandLine(set).parseArgs("--data-dir", scratch.toString());
    assertThat(set.options.dataDirSource(set.options.load())).isEmpty();

    Path file = scratch.resolve("tt.conf");
    Job fromFile = new Job();
    new CommandLine(fromFile).parseArgs("--config", write(file, "two-tower.export.top-k = 5"));
    assertThat(fromFile.options.dataDirSource(fromFile.options.load()))
        .contains("is the built-in default: the config file " + file + " does not set it");
  }

  private static String write(Path file, String text) {
    try {
      return java.nio.file.Files.writeString(file, text).toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
