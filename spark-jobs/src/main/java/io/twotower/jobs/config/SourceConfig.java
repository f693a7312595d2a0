package io.twotower.jobs.config;

import java.util.List;

/** Where ingest reads raw events and items from. */
public record SourceConfig(
    Kind kind,
    String movielensPath,
    String genericFormat,
    String genericEventsPath,
    String genericItemsPath,
    List<String> genericMultiValuedColumns) {

  public enum Kind {
    SYNTHETIC,
    MOVIELENS,
    GENERIC
  }

  static SourceConfig from(Settings s) {
    Settings generic = s.child("generic");
    return new SourceConfig(
        s.enumValue("kind", Kind.class),
        s.string("movielens-path"),
        generic.string("format"),
        generic.string("events-path"),
        generic.string("items-path"),
        generic.strings("multi-valued-columns"));
  }
}
