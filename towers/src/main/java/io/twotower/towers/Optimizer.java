package io.twotower.towers;

import java.util.Locale;
import org.nd4j.shade.jackson.annotation.JsonCreator;

/** The gradient updater both towers train with. */
public enum Optimizer {
  ADAM,
  ADAGRAD;

  /**
   * Reads a saved {@link TowerConfig}: models saved while the optimizer was a string hold it in
   * lower case ("adam").
   */
  @JsonCreator
  static Optimizer fromJson(String name) {
    return name == null ? null : valueOf(name.toUpperCase(Locale.ROOT));
  }
}
