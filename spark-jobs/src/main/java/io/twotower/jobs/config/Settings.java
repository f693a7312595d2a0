package io.twotower.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.twotower.jobs.JobErrors;
import io.twotower.towers.Hyperparameter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Typed reads from a config subtree that fail with the full key, the value and what is allowed.
 * Every job's config record is built through these so that errors read the same everywhere. As a
 * {@link Hyperparameter.Source} it hands the towers' hyperparameters their values unchecked: the
 * towers' own rules check them ({@link #requireValid}).
 */
public final class Settings implements Hyperparameter.Source {

  private final Config config;
  private final String prefix;

  public Settings(Config config, String prefix) {
    this.config = config;
    this.prefix = prefix;
  }

  public Settings child(String key) {
    return new Settings(config.getConfig(key), prefix + "." + key);
  }

  public String string(String key) {
    return read(key, () -> config.getString(key));
  }

  public int positiveInt(String key) {
    int value = read(key, () -> config.getInt(key));
    if (value <= 0) {
      throw JobErrors.badConfig(full(key), value, "a whole number > 0");
    }
    return value;
  }

  public int nonNegativeInt(String key) {
    int value = read(key, () -> config.getInt(key));
    if (value < 0) {
      throw JobErrors.badConfig(full(key), value, "a whole number >= 0");
    }
    return value;
  }

  @Override
  public int intValue(String key) {
    return read(key, () -> config.getInt(key));
  }

  @Override
  public long longValue(String key) {
    return read(key, () -> config.getLong(key));
  }

  public double positiveDouble(String key) {
    double value = read(key, () -> config.getDouble(key));
    if (!(value > 0) || Double.isInfinite(value)) {
      throw JobErrors.badConfig(full(key), value, "a finite number > 0");
    }
    return value;
  }

  public double doubleIn(String key, double min, double max) {
    double value = read(key, () -> config.getDouble(key));
    if (!(value >= min && value <= max)) {
      throw JobErrors.badConfig(full(key), value, "a number in [" + min + ", " + max + "]");
    }
    return value;
  }

  @Override
  public double doubleValue(String key) {
    return read(key, () -> config.getDouble(key));
  }

  /** A HOCON duration ({@code 1d}, {@code 36h}, {@code 0s}) that is not negative. */
  public java.time.Duration nonNegativeDuration(String key) {
    java.time.Duration value = read(key, () -> config.getDuration(key));
    if (value.isNegative()) {
      throw JobErrors.badConfig(full(key), value, "a duration >= 0, e.g. 1d or 12h");
    }
    return value;
  }

  @Override
  public boolean booleanValue(String key) {
    return read(key, () -> config.getBoolean(key));
  }

  public List<Integer> positiveInts(String key) {
    List<Integer> values = read(key, () -> config.getIntList(key));
    if (values.stream().anyMatch(v -> v <= 0)) {
      throw JobErrors.badConfig(full(key), values, "a list of whole numbers > 0");
    }
    return List.copyOf(values);
  }

  @Override
  public List<Integer> intList(String key) {
    return List.copyOf(read(key, () -> config.getIntList(key)));
  }

  public List<String> strings(String key) {
    return List.copyOf(read(key, () -> config.getStringList(key)));
  }

  /** An enum value written in kebab case in the file (expected-count -> EXPECTED_COUNT). */
  @Override
  public <E extends Enum<E>> E enumValue(String key, Class<E> type) {
    String raw = string(key);
    String name = raw.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equals(name)) {
        return constant;
      }
    }
    throw JobErrors.badConfig(full(key), raw, allowed(type));
  }

  /**
   * Reads {@code hyperparameter} under its name and fails, naming the key, unless the towers' rule
   * for it allows the value.
   */
  public <T> T requireValid(Hyperparameter<T> hyperparameter) {
    T value = hyperparameter.read(this);
    if (!hyperparameter.accepts(value)) {
      throw JobErrors.badConfig(full(hyperparameter.name()), value, hyperparameter.allowed());
    }
    return value;
  }

  public Config raw() {
    return config;
  }

  private String full(String key) {
    return prefix + "." + key;
  }

  private <T> T read(String key, java.util.function.Supplier<T> reader) {
    try {
      return reader.get();
    } catch (ConfigException.Missing e) {
      throw JobErrors.missingConfigKey(full(key));
    } catch (ConfigException.WrongType e) {
      throw JobErrors.wrongConfigType(full(key), e);
    }
  }

  static <E extends Enum<E>> String allowed(Class<E> type) {
    return String.join(
        " | ",
        Arrays.stream(type.getEnumConstants())
            .map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-'))
            .toList());
  }
}
