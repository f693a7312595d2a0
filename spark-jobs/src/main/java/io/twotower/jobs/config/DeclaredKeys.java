package io.twotower.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import io.twotower.jobs.JobErrors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * The keys reference.conf declares. HOCON merges whatever it is given, so without this check a
 * misspelt key ({@code --set train.epochz=3}) would be ignored and the job would run with the
 * default; every key a user sets must be one reference.conf declares, or lie inside one of the
 * objects that are open by design ({@link #OPEN}).
 */
final class DeclaredKeys {

  /** Objects whose entries are free-form: {@code spark.conf} takes any Spark setting. */
  private static final List<List<String>> OPEN =
      List.of(List.of(ConfigLoader.ROOT, "spark", "conf"));

  private final Config reference;
  private final List<String> known;

  /**
   * @param reference the defaults, rooted (their keys start with {@link ConfigLoader#ROOT})
   */
  DeclaredKeys(Config reference) {
    this.reference = reference;
    this.known = new ArrayList<>(leaves(reference.root().get(ConfigLoader.ROOT)).keySet());
  }

  /**
   * Fails, naming the first undeclared key (in alphabetical order) and the declared key nearest to
   * it, unless every key under {@link ConfigLoader#ROOT} in {@code merged} (from any source) and
   * every key of {@code file} is declared.
   *
   * @param merged every source merged and resolved, reference.conf included
   * @param file the config file alone, as parsed: any top-level key other than the root is a typo
   */
  void requireDeclared(Config merged, Config file) {
    Map<String, ConfigValue> set = new TreeMap<>(leaves(merged.root().get(ConfigLoader.ROOT)));
    for (Map.Entry<String, ConfigValue> root : file.root().entrySet()) {
      if (!root.getKey().equals(ConfigLoader.ROOT)) {
        set.putAll(leaves(List.of(root.getKey()), root.getValue()));
      }
    }
    List<String> unknown = set.keySet().stream().filter(key -> !declared(key)).toList();
    if (unknown.isEmpty()) {
      return;
    }
    String first = unknown.get(0);
    throw JobErrors.unknownConfigKey(
        first,
        nearest(first),
        set.get(first).origin().description(),
        unknown.subList(1, unknown.size()));
  }

  private boolean declared(String key) {
    List<String> path = ConfigUtil.splitPath(key);
    return OPEN.stream().anyMatch(open -> startsWith(path, open)) || reference.hasPathOrNull(key);
  }

  /**
   * The declared key with the fewest single-character edits from {@code key}; ties alphabetical.
   */
  private String nearest(String key) {
    LevenshteinDistance distance = LevenshteinDistance.getDefaultInstance();
    return known.stream()
        .min(Comparator.comparingInt((String candidate) -> distance.apply(key, candidate)))
        .orElseThrow();
  }

  private static Map<String, ConfigValue> leaves(ConfigValue root) {
    return root == null ? Map.of() : leaves(List.of(ConfigLoader.ROOT), root);
  }

  /**
   * Every value below {@code path} that is not an object, by its full key; open objects count as
   * one value each, as does an object that cannot be walked before it is resolved.
   */
  private static Map<String, ConfigValue> leaves(List<String> path, ConfigValue value) {
    Map<String, ConfigValue> leaves = new TreeMap<>();
    if (value instanceof ConfigObject object && !OPEN.contains(path)) {
      try {
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
          List<String> child = new ArrayList<>(path);
          child.add(entry.getKey());
          leaves.putAll(leaves(child, entry.getValue()));
        }
        return leaves;
      } catch (ConfigException.NotResolved e) {
        // A file's own top-level object merged with a substitution; its name is enough to report.
      }
    }
    leaves.put(ConfigUtil.joinPath(path), value);
    return leaves;
  }

  private static boolean startsWith(List<String> path, List<String> prefix) {
    return path.size() >= prefix.size() && path.subList(0, prefix.size()).equals(prefix);
  }
}
