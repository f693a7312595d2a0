package io.twotower.jobs.tables;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.twotower.jobs.DateRange;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One run of a stage for some dates, written into the {@code userMetadata} of every Delta commit it
 * makes: when Delta refuses a commit because another run committed the table meanwhile, the table's
 * history says which run that was, and for which dates (see {@link DeltaStore#forRun}).
 */
public record RunTag(String stage, DateRange dates, String runId) {

  /** A new run of {@code stage} for {@code dates}. */
  public static RunTag start(String stage, DateRange dates) {
    return new RunTag(stage, dates, UUID.randomUUID().toString());
  }

  /** The tag as Delta stores it: {@code {"stage":"features","dates":"...","run":"..."}}. */
  public String toJson() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("stage", stage);
    fields.put("dates", dates.toString());
    fields.put("run", runId);
    return ConfigValueFactory.fromMap(fields).render(ConfigRenderOptions.concise());
  }

  /** The tag a commit's userMetadata holds; empty for a commit no tagged run made. */
  public static Optional<RunTag> fromJson(String userMetadata) {
    if (userMetadata == null || userMetadata.isBlank()) {
      return Optional.empty();
    }
    try {
      var fields = ConfigFactory.parseString(userMetadata);
      return Optional.of(
          new RunTag(
              fields.getString("stage"),
              DateRange.parse(fields.getString("dates")),
              fields.getString("run")));
    } catch (ConfigException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return stage + " (" + dates + ", run " + runId + ")";
  }
}
