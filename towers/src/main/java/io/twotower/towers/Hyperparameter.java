package io.twotower.towers;

import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * One hyperparameter of {@link TowerConfig}, declared once with its name, the values it allows and
 * the builder setter it fills, as Spark ML's {@code Param} is. {@link TowerConfig#HYPERPARAMETERS}
 * lists them all, so a caller that keeps its settings elsewhere (the jobs' HOCON files) reads,
 * checks and sets every one of them without naming any, and a new hyperparameter needs no change
 * outside {@link TowerConfig}.
 *
 * @param <T> the value's type
 */
public final class Hyperparameter<T> {

  /**
   * Where a caller keeps its settings; each method returns the value stored under {@code name}
   * converted to the type, or fails saying which name could not be read.
   */
  public interface Source {
    int intValue(String name);

    long longValue(String name);

    double doubleValue(String name);

    boolean booleanValue(String name);

    List<Integer> intList(String name);

    /** The constant written as its name in any case, '-' for '_' (negatives-only). */
    <E extends Enum<E>> E enumValue(String name, Class<E> type);
  }

  private final String name;
  private final String field;
  private final Predicate<T> rule;
  private final String allowed;
  private final BiFunction<Source, String, T> reader;
  private final BiConsumer<TowerConfig.Builder, T> setter;

  /**
   * @param name how settings name it, lower case with '-' (learning-rate)
   * @param field the {@link TowerConfig} component it sets (learningRate), named by its errors
   * @param rule whether a non-null value is allowed
   * @param allowed what {@code rule} allows, for error messages
   */
  Hyperparameter(
      String name,
      String field,
      Predicate<T> rule,
      String allowed,
      BiFunction<Source, String, T> reader,
      BiConsumer<TowerConfig.Builder, T> setter) {
    this.name = name;
    this.field = field;
    this.rule = rule;
    this.allowed = allowed;
    this.reader = reader;
    this.setter = setter;
  }

  public String name() {
    return name;
  }

  public String field() {
    return field;
  }

  /** What the hyperparameter allows, e.g. "a finite number > 0". */
  public String allowed() {
    return allowed;
  }

  /** Whether {@code value} is allowed; null never is. */
  public boolean accepts(T value) {
    return value != null && rule.test(value);
  }

  /** The value {@code source} holds under {@link #name}, not yet checked. */
  public T read(Source source) {
    return reader.apply(source, name);
  }

  /** Reads this hyperparameter from {@code source} into {@code builder}. */
  void readInto(Source source, TowerConfig.Builder builder) {
    setter.accept(builder, read(source));
  }

  /**
   * {@code value} if allowed, else the error naming {@link #field}, the value and what is allowed.
   */
  T check(T value) {
    if (!accepts(value)) {
      throw TowerErrors.invalidSetting(field, value, allowed);
    }
    return value;
  }

  @Override
  public String toString() {
    return name;
  }

  static Predicate<Integer> atLeastOne() {
    return value -> value >= 1;
  }

  static Predicate<Double> finitePositive() {
    return value -> value > 0 && !value.isInfinite();
  }

  static Predicate<List<Integer>> widths() {
    // List.of(...).contains(null) throws, hence the stream.
    return sizes -> sizes.stream().allMatch(size -> size != null && size >= 1);
  }

  static <T> Predicate<T> any() {
    return Objects::nonNull;
  }
}
