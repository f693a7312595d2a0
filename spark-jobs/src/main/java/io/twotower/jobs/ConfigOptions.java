package io.twotower.jobs;

import com.typesafe.config.ConfigOrigin;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The config options every Spark subcommand takes (a picocli mixin): file, overrides, data-dir. */
public final class ConfigOptions {

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "HOCON config file (default: conf/local.conf when it exists, else built-in defaults).")
  Path config;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Override one config key, e.g. --set train.epochs=3 (repeatable; wins over the file).")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Root folder of the Delta tables and models: a path, or a URI such as"
              + " s3a://bucket/prefix, hdfs://namenode/dir or file:///abs/dir (config: data-dir).")
  // A string, not a Path: java.nio would fold the "//" of s3a://bucket into one slash.
  String dataDir;

  /** The job config: file, then --set, then --data-dir, then {@code more} (which win). */
  public JobConfig load(Map<String, String> more) {
    Map<String, String> all = new LinkedHashMap<>(commandLine());
    all.putAll(more);
    return JobConfig.from(ConfigLoader.load(configFile(), all));
  }

  /** The --set values and --data-dir (as key data-dir), in the order they win. */
  public Map<String, String> commandLine() {
    Map<String, String> all = new LinkedHashMap<>(overrides);
    if (dataDir != null) {
      all.put("data-dir", dataDir);
    }
    return all;
  }

  public JobConfig load() {
    return load(Map.of());
  }

  /**
   * When {@code config}'s data-dir is only the built-in default, why, in words (else empty): quoted
   * when a table is missing, since a default data-dir because no config file was found reads like a
   * stage that has not run.
   */
  public String dataDirSource(JobConfig config) {
    ConfigOrigin origin = config.raw().getValue("data-dir").origin();
    String dataDir = "data-dir = " + config.dataDir();
    if (!"reference.conf".equals(origin.resource())) {
      return "";
    }
    Path file = configFile();
    if (file == null) {
      return dataDir
          + " is the built-in default: no config file was loaded (--config was not given and there"
          + " is no conf/local.conf under the working directory "
          + Path.of("").toAbsolutePath()
          + ")";
    }
    return dataDir + " is the built-in default: the config file " + file + " does not set it";
  }

  /** The config file loaded: --config, else conf/local.conf when it exists, else null. */
  public Path configFile() {
    if (config != null) {
      return config;
    }
    Path local = Path.of("conf", "local.conf");
    return Files.isRegularFile(local) ? local : null;
  }
}
