package io.twotower.jobs.bench;

import com.typesafe.config.ConfigUtil;
import io.twotower.jobs.config.ConfigLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The HOCON file {@code compare} writes for the settings it selected: it includes the config file
 * compare ran with (when there was one), then sets compare's --set and --data-dir values and the
 * selected combination with its epochs, so {@code two-tower pipeline --config FILE} trains what was
 * selected on the data it was selected on.
 */
final class SelectedConfig {

  private SelectedConfig() {}

  /**
   * @param base the --config file (null: built-in defaults only)
   * @param settings key = value pairs in --set syntax (a value starting with [ or { is HOCON, any
   *     other a string), later ones winning
   * @param comment lines written at the top, each after "# "
   */
  static String render(Path base, Map<String, String> settings, String comment) {
    StringBuilder out = new StringBuilder();
    comment.lines().forEach(line -> out.append("# ").append(line).append('\n'));
    if (base != null) {
      out.append("include file(")
          .append(ConfigUtil.quoteString(base.toAbsolutePath().normalize().toString()))
          .append(")\n");
    }
    Map<String, String> rooted = new LinkedHashMap<>();
    settings.forEach(
        (key, value) ->
            rooted.put(
                key.startsWith(ConfigLoader.ROOT + ".") ? key : ConfigLoader.ROOT + "." + key,
                value));
    rooted.forEach(
        (key, value) -> {
          String trimmed = value.trim();
          out.append(key)
              .append(" = ")
              .append(
                  trimmed.startsWith("[") || trimmed.startsWith("{")
                      ? trimmed
                      : ConfigUtil.quoteString(value))
              .append('\n');
        });
    return out.toString();
  }
}
