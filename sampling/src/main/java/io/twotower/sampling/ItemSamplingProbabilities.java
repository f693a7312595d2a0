package io.twotower.sampling;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.expm1;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.log1p;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.util.Arrays;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;

/**
 * The aggregate estimate of p_j: count each item's occurrences in a window of days, weight days by
 * recency, and turn the weighted share q_j into a per-batch probability (see {@link
 * ProbabilityKind}). All functions are Dataset to Dataset and scale like a group-by. Before it
 * returns, each runs one aggregate over its input that yields a single row (the rows are not
 * shuffled, nothing per item reaches the driver): it validates the rows and totals the window's
 * weight. The per-item aggregation it returns is a lazy plan, computed once by whatever writes it,
 * and never materialised in between: nothing is held on the executors, and a lost executor only
 * means a recomputation. The price is a second read of the input, for the validating aggregate: the
 * input must read the same rows twice (a table, not a random sample), and an input that is
 * expensive to recompute is worth caching or checkpointing first.
 *
 * <p>Output schema of {@link #estimate} and {@link #fromDailyCounts}, one row per item:
 *
 * <pre>
 *   item             same type as the input item column, never null
 *   count            bigint, raw occurrences in the window
 *   weighted_count   double, sum over days of count_d * 0.5^((windowEnd - d) / halfLifeDays)
 *   q                double, weighted_count / sum of all weighted_count (the item's share)
 *   p_expected       double, batchSize * q
 *   p_at_least_once  double, 1 - (1 - q)^batchSize
 *   p                double, the settings' kind, never below settings.floor
 *   log_p            double, ln(p), always finite
 * </pre>
 *
 * <p>Invalid input is rejected, not dropped: null or blank item ids and null days fail with an
 * {@link IllegalArgumentException} naming the column; use {@link ItemEventValidation#split} to
 * quarantine such rows first. An empty window fails with an {@link IllegalStateException}.
 */
public final class ItemSamplingProbabilities {

  public static final String ITEM = "item";
  public static final String DAY = "day";
  public static final String COUNT = "count";
  public static final String WEIGHTED_COUNT = "weighted_count";
  public static final String Q = "q";
  public static final String P_EXPECTED = "p_expected";
  public static final String P_AT_LEAST_ONCE = "p_at_least_once";
  public static final String P = "p";
  public static final String LOG_P = "log_p";

  private static final String[] OUTPUT = {
    ITEM, COUNT, WEIGHTED_COUNT, Q, P_EXPECTED, P_AT_LEAST_ONCE, P, LOG_P
  };

  private ItemSamplingProbabilities() {}

  /**
   * Estimates p_j from raw events: every row is one occurrence, all rows form the window, and
   * {@code windowEnd} is its last day (weight 1).
   *
   * <p>The validating aggregate counts null or blank items, null days and days after {@code
   * windowEnd}, and sums the events' weights; the returned plan aggregates the events per item (the
   * same shuffle as a bare {@code groupBy(item).count()}) and divides by that sum.
   *
   * @param events one row per training occurrence, with {@code itemCol} (any type) and {@code
   *     dayCol} (date)
   * @throws IllegalArgumentException on a missing or mistyped column, invalid rows, or events dated
   *     after {@code windowEnd}
   * @throws IllegalStateException if there are no events, or their decayed weight underflows to 0
   */
  public static Dataset<Row> estimate(
      Dataset<Row> events,
      String itemCol,
      String dayCol,
      LocalDate windowEnd,
      AggregateSettings settings) {
    Objects.requireNonNull(windowEnd, "windowEnd");
    Objects.requireNonNull(settings, "settings");
    InputSchema.requireColumn(events, "events", itemCol);
    InputSchema.requireDateColumn(events, "events", dayCol);
    Column day = col(dayCol);
    Row totals =
        events
            .agg(
                count(lit(1)),
                count(when(ItemEventValidation.invalidItem(events, itemCol), 1)),
                count(when(day.isNull(), 1)),
                count(when(day.gt(lit(windowEnd)), 1)),
                weightedCount(day, windowEnd, settings))
            .first();
    requireNoInvalid("events", itemCol, totals.getLong(1), "a null or blank item id");
    requireNoInvalid("events", dayCol, totals.getLong(2), "a null day");
    if (totals.getLong(3) > 0) {
      throw SamplingErrors.eventsAfterWindowEnd(dayCol, totals.getLong(3), windowEnd);
    }
    if (totals.getLong(0) == 0) {
      throw SamplingErrors.emptyWindow(
          "the events table is empty (window ending " + windowEnd + ")",
          "check that the training-data query selects the intended days");
    }
    double totalWeight = requirePositiveWeight(totals.getDouble(4), settings);
    Dataset<Row> perItem =
        events
            .groupBy(col(itemCol).as(ITEM))
            .agg(
                count(lit(1)).as(COUNT),
                weightedCount(day, windowEnd, settings).as(WEIGHTED_COUNT));
    return probabilities(perItem, totalWeight, settings);
  }

  /**
   * Occurrences per item and day, the unit a daily job writes (one day partition at a time) so that
   * {@link #fromDailyCounts} can combine any window later without rereading events. The validating
   * aggregate counts null or blank items and null days; the returned plan is the group-by.
   *
   * @return columns item (type of {@code itemCol}), day (date), count (bigint)
   * @throws IllegalArgumentException on a missing column or invalid rows (see class doc)
   */
  public static Dataset<Row> dailyCounts(Dataset<Row> events, String itemCol, String dayCol) {
    InputSchema.requireColumn(events, "events", itemCol);
    InputSchema.requireDateColumn(events, "events", dayCol);
    Row invalid =
        events
            .agg(
                count(when(ItemEventValidation.invalidItem(events, itemCol), 1)),
                count(when(col(dayCol).isNull(), 1)))
            .first();
    requireNoInvalid("events", itemCol, invalid.getLong(0), "a null or blank item id");
    requireNoInvalid("events", dayCol, invalid.getLong(1), "a null day");
    return events.groupBy(col(itemCol).as(ITEM), col(dayCol).as(DAY)).agg(count(lit(1)).as(COUNT));
  }

  /**
   * The same estimate as {@link #estimate} over the days {@code [windowEnd - windowDays + 1,
   * windowEnd]}, computed from {@link #dailyCounts} output. Rows outside the window are ignored
   * (that is how a window is chosen from a table of all days). The validating aggregate over the
   * window's rows counts them, their null or blank items and null or negative counts, and totals
   * their weight.
   *
   * @param dailyCounts columns item, day (date), count (integral)
   * @throws IllegalArgumentException on a missing or mistyped column, or invalid rows in the window
   * @throws IllegalStateException if no daily counts fall into the window
   */
  public static Dataset<Row> fromDailyCounts(
      Dataset<Row> dailyCounts, LocalDate windowEnd, int windowDays, AggregateSettings settings) {
    Objects.requireNonNull(windowEnd, "windowEnd");
    Objects.requireNonNull(settings, "settings");
    if (windowDays < 1) {
      throw SamplingErrors.invalidSetting("windowDays", windowDays, "an integer >= 1");
    }
    InputSchema.requireColumn(dailyCounts, "dailyCounts", ITEM);
    InputSchema.requireDateColumn(dailyCounts, "dailyCounts", DAY);
    InputSchema.requireIntegralColumn(dailyCounts, "dailyCounts", COUNT);
    LocalDate windowStart = windowEnd.minusDays(windowDays - 1L);
    Column weightedCount = sum(col(COUNT).multiply(decayWeight(col(DAY), windowEnd, settings)));
    Dataset<Row> window = dailyCounts.where(col(DAY).between(lit(windowStart), lit(windowEnd)));
    Row totals =
        window
            .agg(
                count(lit(1)),
                count(when(ItemEventValidation.invalidItem(window, ITEM), 1)),
                count(when(col(COUNT).isNull().or(col(COUNT).lt(0)), 1)),
                weightedCount)
            .first();
    requireNoInvalid("dailyCounts", ITEM, totals.getLong(1), "a null or blank item id");
    if (totals.getLong(2) > 0) {
      throw SamplingErrors.invalidCounts(totals.getLong(2));
    }
    if (totals.getLong(0) == 0) {
      throw SamplingErrors.emptyWindow(
          "dailyCounts has no rows for " + windowStart + " .. " + windowEnd,
          "run the daily counting for those days first, or choose a window that has data");
    }
    double totalWeight = requirePositiveWeight(totals.getDouble(3), settings);
    Dataset<Row> perItem =
        window
            .groupBy(col(ITEM))
            .agg(sum(col(COUNT)).cast("bigint").as(COUNT), weightedCount.as(WEIGHTED_COUNT));
    return probabilities(perItem, totalWeight, settings);
  }

  /**
   * Adds a row with p = floor (and count, weighted_count, q, p_expected, p_at_least_once all 0) for
   * every distinct item of {@code vocabulary} that {@code estimate} lacks, so every item the model
   * can score has a finite log_p.
   *
   * @param vocabulary any table whose {@code itemCol} lists the items; its type must equal the
   *     estimate's item type
   * @throws IllegalArgumentException on a mistyped column or null or blank vocabulary ids (checked
   *     with one count over the vocabulary)
   */
  public static Dataset<Row> withFloorForMissing(
      Dataset<Row> estimate, Dataset<Row> vocabulary, String itemCol, AggregateSettings settings) {
    Objects.requireNonNull(settings, "settings");
    for (String column : OUTPUT) {
      InputSchema.requireColumn(estimate, "estimate", column);
    }
    DataType vocabularyType = InputSchema.requireColumn(vocabulary, "vocabulary", itemCol);
    DataType itemType = estimate.schema().apply(ITEM).dataType();
    if (!vocabularyType.equals(itemType)) {
      throw SamplingErrors.wrongColumnType(
          "vocabulary", itemCol, vocabularyType.simpleString(), itemType.simpleString());
    }
    long invalid = vocabulary.where(ItemEventValidation.invalidItem(vocabulary, itemCol)).count();
    requireNoInvalid("vocabulary", itemCol, invalid, "a null or blank item id");
    Dataset<Row> missing =
        vocabulary
            .select(col(itemCol).as(ITEM))
            .distinct()
            .join(estimate.select(ITEM), ITEM, "left_anti")
            .select(
                col(ITEM),
                lit(0L).as(COUNT),
                lit(0.0).as(WEIGHTED_COUNT),
                lit(0.0).as(Q),
                lit(0.0).as(P_EXPECTED),
                lit(0.0).as(P_AT_LEAST_ONCE),
                lit(settings.floor()).as(P),
                lit(Math.log(settings.floor())).as(LOG_P));
    return estimate.select(outputColumns()).unionByName(missing);
  }

  /**
   * The aggregate of the events' weights, per item or over the window: with decay the sum of {@link
   * #decayWeight}, without it the row count (every row weighs 1), as a double.
   */
  private static Column weightedCount(Column day, LocalDate windowEnd, AggregateSettings settings) {
    return settings.decays()
        ? sum(decayWeight(day, windowEnd, settings))
        : count(lit(1)).cast("double");
  }

  /**
   * Weight of a day: 0.5^((windowEnd - day) / halfLifeDays), or 1 without decay, computed as
   * exp(age * ln(0.5) / halfLifeDays), the cheapest exact form measured by bench-sampling-aggregate
   * (a pow, or a per-age lookup table, cost more per event).
   */
  private static Column decayWeight(Column day, LocalDate windowEnd, AggregateSettings settings) {
    if (!settings.decays()) {
      return lit(1.0);
    }
    return exp(datediff(lit(windowEnd), day).multiply(Math.log(0.5) / settings.halfLifeDays()));
  }

  /**
   * q = weighted_count / totalWeight; p_expected = B q; p_at_least_once = 1 - (1 - q)^B computed as
   * -expm1(B log1p(-q)) so tail items keep their precision (q ~ 1e-9 would round 1 - q to 1).
   */
  private static Dataset<Row> probabilities(
      Dataset<Row> totals, double totalWeight, AggregateSettings settings) {
    int batchSize = settings.batchSize();
    Column q = col(WEIGHTED_COUNT).divide(totalWeight);
    Column atLeastOnce =
        when(col(Q).geq(1.0), lit(1.0))
            .otherwise(expm1(log1p(col(Q).multiply(-1.0)).multiply(batchSize)).multiply(-1.0));
    Column chosen =
        settings.kind() == ProbabilityKind.EXPECTED_COUNT ? col(P_EXPECTED) : col(P_AT_LEAST_ONCE);
    return totals
        .withColumn(Q, q)
        .withColumn(P_EXPECTED, col(Q).multiply(batchSize))
        .withColumn(P_AT_LEAST_ONCE, atLeastOnce)
        .withColumn(P, greatest(chosen, lit(settings.floor())))
        .withColumn(LOG_P, log(col(P)))
        .select(outputColumns());
  }

  private static Column[] outputColumns() {
    return Arrays.stream(OUTPUT).map(Column::new).toArray(Column[]::new);
  }

  private static void requireNoInvalid(String table, String column, long rows, String what) {
    if (rows > 0) {
      throw SamplingErrors.invalidRows(table, column, rows, what);
    }
  }

  private static double requirePositiveWeight(double totalWeight, AggregateSettings settings) {
    if (!(totalWeight > 0) || Double.isInfinite(totalWeight)) {
      throw SamplingErrors.zeroTotalWeight(settings.halfLifeDays());
    }
    return totalWeight;
  }
}
