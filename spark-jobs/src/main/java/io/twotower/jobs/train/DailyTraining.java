package io.twotower.jobs.train;

import static io.twotower.jobs.tables.Table.Columns.DT;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.ProgressReporter;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.features.TrainingWindow;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.tables.PinnedTables;
import io.twotower.jobs.tables.Table;
import io.twotower.jobs.train.TrainJob.Parent;
import io.twotower.jobs.train.TrainJob.Result;
import io.twotower.towers.SparkTrainer.EpochEnd;
import io.twotower.towers.TowerConfig;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Day-by-day training, the paper's schedule: each day's model continues from the model trained
 * through the day before (its parameters and optimizer state, its embedding tables grown to the
 * vocabularies, see {@code TwoTowerModel.grownTo}) on that day's examples plus the {@code
 * train.replay-days} calendar days before it.
 *
 * <p>A run on days F..T first looks for the model trained through the latest day before F ({@link
 * ModelStore#latestTrainedThrough}). With one, trained through P, it trains every day after P up to
 * T that has training examples, in date order, each continuing from the one before: a missed day
 * between P and F is caught up, a day without examples is skipped (nothing to learn; the next day
 * continues from the last model). Without one, it first trains a bootstrap model from scratch on
 * all days before F at once, then the days F..T one by one. The bootstrap keeps a first run
 * practical on long sparse histories: MovieLens' ~4,000 days of ~24 ratings would otherwise be
 * ~4,000 Spark trainings of a few batches each, hours of fixed per-training cost for the same data
 * seen once; one model on the history, then day-by-day from there, is what the paper's catch-up
 * amounts to and costs two trainings for a first {@code --date}. An explicit {@code --from/--to}
 * trains every day of its range one by one, as asked.
 *
 * <p>Every model is saved (so the next run finds it) and records its parent. All days read the
 * tables at the versions pinned when the run started; the model shape is that of the vocabularies
 * then, the largest any day of the run needs. Every day uses the one item_sampling_probability the
 * sampling stage last wrote (run sampling for the run's days first, as the schedule does).
 */
final class DailyTraining {

  private static final Logger LOG = LoggerFactory.getLogger(DailyTraining.class);

  private DailyTraining() {}

  /** One training of the plan: its window, and whether it is the bootstrap. */
  record Step(DateRange window, boolean bootstrap) {}

  /** Trains the run's days as the class describes; the result is the last model's. */
  static Result train(
      PinnedTables tables,
      JobConfig config,
      TowerConfig towerConfig,
      DateRange dates,
      EpochEnd epochEnd) {
    List<LocalDate> days = trainingDays(tables, new DateRange(null, dates.to()));
    if (days.isEmpty()) {
      throw JobErrors.noTrainingExamplesToTrain(dates);
    }
    LocalDate from = dates.from() != null ? dates.from() : days.get(0);
    ModelStore models = new ModelStore(tables.store());
    Optional<ModelStore.Trained> previous = models.latestTrainedThrough(from.minusDays(1));
    Parent parent =
        previous.map(p -> new Parent(p.modelId(), models.load(p.modelId()))).orElse(null);
    List<Step> steps =
        plan(
            days,
            from,
            previous.map(ModelStore.Trained::trainedThrough),
            config.train().replayDays());
    LOG.info(
        "{}; {} training(s): {}",
        previous
            .map(
                p ->
                    "continuing from model "
                        + p.modelId()
                        + " (trained through "
                        + p.trainedThrough()
                        + ")")
            .orElse("no model trained through a day before " + from + ": starting from scratch"),
        steps.size(),
        steps.stream().map(DailyTraining::describe).toList());
    if (steps.isEmpty()) {
      // Nothing new to learn on these days: the model of the day before stays the latest one.
      LOG.info(
          "no training examples after {} up to {}", previous.get().trainedThrough(), dates.to());
      return new Result(parent.modelId(), parent.model(), 0, 0, Double.NaN);
    }
    Result last = null;
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i);
      ProgressReporter.console().started("train " + describe(step), i + 1, steps.size());
      last = TrainJob.train(tables, config, towerConfig, step.window(), parent, epochEnd);
      parent = new Parent(last.modelId(), last.model());
    }
    return last;
  }

  /**
   * The trainings of a run on days from {@code from} (up to the last of {@code days}, the days with
   * training examples up to the run's end, in order): without a model trained through {@code
   * previous}, a bootstrap on the days before {@code from}, if any; then each later day, with the
   * {@code replay} calendar days before it.
   */
  static List<Step> plan(
      List<LocalDate> days, LocalDate from, Optional<LocalDate> previous, int replay) {
    List<Step> steps = new ArrayList<>();
    LocalDate after = previous.orElse(from.minusDays(1));
    if (previous.isEmpty() && !days.get(0).isAfter(after)) {
      steps.add(new Step(new DateRange(null, after), true));
    }
    for (LocalDate day : days) {
      if (day.isAfter(after)) {
        steps.add(new Step(new DateRange(day.minusDays(replay), day), false));
      }
    }
    return steps;
  }

  /** The days with training examples in {@code range}, in order. */
  private static List<LocalDate> trainingDays(PinnedTables tables, DateRange range) {
    return TrainingWindow.of(tables.read(Table.TRAINING_EXAMPLES), range)
        .select(DT)
        .distinct()
        .orderBy(DT)
        .collectAsList()
        .stream()
        .map(row -> row.getDate(0).toLocalDate())
        .toList();
  }

  private static String describe(Step step) {
    return step.bootstrap()
        ? "bootstrap on the days up to " + step.window().to()
        : "day "
            + step.window().to()
            + (step.window().from().equals(step.window().to())
                ? ""
                : " (from " + step.window().from() + ")");
  }
}
