package io.twotower.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.twotower.jobs.JobErrors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads the jobs' configuration. Precedence, lowest first: the jar's reference.conf, the config
 * file, CONFIG_FORCE_* environment variables, -D system properties, then --set key=value from the
 * command line. Keys may be given with or without the {@code two-tower.} root. A key that
 * reference.conf does not declare is an error, whichever source sets it (see {@link DeclaredKeys}).
 */
public final class ConfigLoader {

  public static final String ROOT = "two-tower";

  private ConfigLoader() {}

  /** The resolved {@code two-tower} subtree. {@code file} may be null (defaults only). */
  public static Config load(Path file, Map<String, String> overrides) {
    Config fromFile = ConfigFactory.empty();
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw JobErrors.missingConfigFile(file);
      }
      try {
        fromFile = ConfigFactory.parseFile(file.toFile());
      } catch (ConfigException e) {
        throw JobErrors.unparsableConfigFile(file, e);
      }
    }
    try {
      Config merged =
          commandLine(overrides)
              .withFallback(ConfigFactory.systemProperties())
              .withFallback(ConfigFactory.systemEnvironmentOverrides())
              .withFallback(fromFile)
              .withFallback(ConfigFactory.defaultReference())
              .resolve();
      // defaultReference() has the system properties merged in: compare with the files alone.
      Config declared = ConfigFactory.defaultReferenceUnresolved().withOnlyPath(ROOT).resolve();
      new DeclaredKeys(declared).requireDeclared(merged, fromFile);
      return merged.getConfig(ROOT);
    } catch (ConfigException e) {
      throw JobErrors.invalidConfiguration(e);
    }
  }

  /**
   * --set values: a list or object ({@code [256, 128]}, {@code {a = 1}}) is parsed as HOCON,
   * anything else is taken as a plain string (so {@code local[2]} or {@code hdfs://...} need no
   * quoting); numbers and booleans convert when read.
   */
  private static Config commandLine(Map<String, String> overrides) {
    Map<String, String> plain = new LinkedHashMap<>();
    Config structured = ConfigFactory.empty();
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      String key = rooted(e.getKey());
      String value = e.getValue().trim();
      if (value.startsWith("[") || value.startsWith("{")) {
        structured =
            ConfigFactory.parseString(
                    key + " = " + value,
                    ConfigParseOptions.defaults().setOriginDescription("--set " + key))
                .withFallback(structured);
      } else {
        plain.put(key, e.getValue());
      }
    }
    return ConfigFactory.parseMap(plain, "--set").withFallback(structured);
  }

  private static String rooted(String key) {
    return key.startsWith(ROOT + ".") ? key : ROOT + "." + key;
  }
}
