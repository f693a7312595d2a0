package io.twotower.jobs.config;

import java.util.LinkedHashMap;
import java.util.Map;

/** How a job builds its SparkSession when it is not given one. */
public record SparkConfig(String master, String appName, Map<String, String> conf) {

  static SparkConfig from(Settings s) {
    Map<String, String> conf = new LinkedHashMap<>();
    s.raw()
        .getConfig("conf")
        .entrySet()
        .forEach(
            e -> conf.put(e.getKey().replace("\"", ""), String.valueOf(e.getValue().unwrapped())));
    return new SparkConfig(s.string("master"), s.string("app-name"), Map.copyOf(conf));
  }
}
