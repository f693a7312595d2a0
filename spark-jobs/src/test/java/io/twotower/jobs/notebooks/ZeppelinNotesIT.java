package io.twotower.jobs.notebooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.SharedData;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.evaluate.EvaluateJob;
import io.twotower.jobs.export.ExportJob;
import io.twotower.jobs.features.FeaturesJob;
import io.twotower.jobs.ingest.IngestJob;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.sampling.SamplingJob;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.jobs.train.TrainJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every note of notebooks/ the way Zeppelin 0.11 would, paragraph by paragraph in order,
 * against the tables of a small pipeline run: {@code %spark} paragraphs in Spark's Scala REPL
 * ({@link ScalaRepl}, {@code spark} and {@code sc} bound to the test session), {@code %spark.sql}
 * paragraphs through that session, with their simple forms at their defaults as Zeppelin fills an
 * untouched form. A paragraph that does not compile, throws, returns no row, or whose chart names a
 * column its result lacks fails the note. The first {@code %spark} paragraph's {@code val dataDir =
 * "..."} is pointed at the run's folder, as a user edits it. Each result's first rows are printed.
 *
 * <p>The run: the pipeline's stages on a small synthetic log, with {@code sampling} run first with
 * the streaming estimator and then with the default aggregate one (the table's Delta history then
 * holds both, which the sampling note compares), and two models trained and evaluated, the plain
 * softmax and then the default logQ-corrected one (the latest, which export writes), so that the
 * training and evaluation notes have two models to show.
 */
class ZeppelinNotesIT {

  static final int EPOCHS = 3;
  static final int SPLITS_PER_EPOCH = 2;

  /** Zeppelin's textbox form: ${name=default} (select and checkbox forms are not used). */
  private static final Pattern FORM = Pattern.compile("\\$\\{([^}=]*)=([^}]*)}");

  private static final Pattern DATA_DIR = Pattern.compile("(?m)^val dataDir = \"[^\"]*\"$");

  /** Zeppelin shows at most zeppelin.spark.maxResult rows (1000) of a SQL result. */
  private static final int MAX_RESULT = 1000;

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;
  static DeltaStore store;
  static String dataDir;
  static ScalaRepl repl;
  static double pipelineSeconds;
  static double replStartSeconds;

  @BeforeAll
  static void runPipelineAndStartTheRepl() {
    long start = System.nanoTime();
    Map<String, String> small = new LinkedHashMap<>();
    dataDir = "file://" + scratch.resolve("data").toAbsolutePath();
    small.put("data-dir", dataDir);
    small.put("synthetic.users", "300");
    small.put("synthetic.items", "400");
    small.put("synthetic.channels", "40");
    small.put("synthetic.events-per-user", "25");
    small.put("synthetic.days", "4");
    small.put("features.history-length", "20");
    small.put("train.batch-size", "128");
    small.put("train.epochs", String.valueOf(EPOCHS));
    small.put("train.splits-per-epoch", String.valueOf(SPLITS_PER_EPOCH));
    small.put("train.item-embedding-dim", "16");
    small.put("train.field-embedding-dim", "4");
    small.put("train.query-hidden", "[32]");
    small.put("train.item-hidden", "[32]");
    small.put("train.output-dim", "16");
    small.put("export.top-k", "20");
    JobConfig config = JobConfig.from(ConfigLoader.load(null, small));
    store = new DeltaStore(spark, config.dataDir());
    // The pipeline's stages, sampling twice and training twice (see the class comment).
    IngestJob.run(store, config, DateRange.ALL);
    FeaturesJob.run(store, config, DateRange.ALL);
    SamplingJob.run(store, with(small, "sampling.estimator", "streaming"), DateRange.ALL);
    SamplingJob.run(store, config, DateRange.ALL);
    JobConfig plain = with(small, "train.correction", "none");
    TrainJob.run(store, plain, DateRange.ALL);
    EvaluateJob.run(store, plain, DateRange.ALL);
    TrainJob.run(store, config, DateRange.ALL);
    EvaluateJob.run(store, config, DateRange.ALL);
    ExportJob.run(store, config, DateRange.ALL);
    pipelineSeconds = (System.nanoTime() - start) / 1e9;

    start = System.nanoTime();
    // Failsafe starts the JVM from a manifest-only jar; the compiler needs the real entries.
    repl =
        new ScalaRepl(
            spark,
            System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    replStartSeconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "ZeppelinNotesIT: pipeline run %.1f s, Scala REPL started in %.1f s%n",
        pipelineSeconds, replStartSeconds);
  }

  private static JobConfig with(Map<String, String> settings, String key, String value) {
    Map<String, String> changed = new LinkedHashMap<>(settings);
    changed.put(key, value);
    return JobConfig.from(ConfigLoader.load(null, changed));
  }

  @AfterAll
  static void closeRepl() {
    if (repl != null) {
      repl.close();
    }
  }

  static List<Path> notes() throws IOException {
    Path folder = SharedData.repositoryRoot().resolve("notebooks");
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(f -> f.toString().endsWith(".zpln")).sorted().toList();
    }
  }

  @Test
  void theFiveNotesAreThereWithTheirResultsStripped() throws IOException {
    List<ZeppelinNote> notes = new ArrayList<>();
    for (Path file : notes()) {
      notes.add(ZeppelinNote.read(file));
    }
    assertThat(notes)
        .extracting(ZeppelinNote::name)
        .containsExactly(
            "two-tower/1. Data exploration",
            "two-tower/2. Sampling probabilities",
            "two-tower/3. Training",
            "two-tower/4. Evaluation",
            "two-tower/5. Nearest-neighbour explorer");
    for (ZeppelinNote note : notes) {
      for (ZeppelinNote.Paragraph paragraph : note.paragraphs()) {
        assertThat(paragraph.json().has("results"))
            .as("%s: %s keeps no results", note.name(), paragraph.label())
            .isFalse();
        assertThat(paragraph.json().has("dateStarted")).isFalse();
        assertThat(paragraph.interpreter()).isIn("md", "spark", "spark.sql");
      }
      // Every SQL result is drawn with a chart type of Zeppelin's own.
      assertThat(note.paragraphs().stream().filter(p -> p.interpreter().equals("spark.sql")))
          .isNotEmpty()
          .allSatisfy(
              p ->
                  assertThat(p.graph().path("mode").asText())
                      .as("%s: %s chart", note.name(), p.label())
                      .isIn("table", "multiBarChart", "lineChart", "scatterChart", "pieChart"));
    }
  }

  @Test
  void trainingProgressHasEverySplitOfEveryModelAndEndsOnTheRecordedLoss() {
    ModelStore models = new ModelStore(store);
    List<Row> progress =
        store
            .read(Table.TRAINING_PROGRESS)
            .orderBy("model_id", "epoch", "train_split")
            .collectAsList();
    Map<String, List<Row>> byModel = new LinkedHashMap<>();
    progress.forEach(r -> byModel.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r));
    // The plain model and the corrected one.
    assertThat(byModel).hasSize(2);
    byModel.forEach(
        (modelId, rows) -> {
          assertThat(rows).hasSize(EPOCHS * SPLITS_PER_EPOCH);
          for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            assertThat(row.getInt(1)).isEqualTo(i / SPLITS_PER_EPOCH + 1);
            assertThat(row.getInt(2)).isEqualTo(i % SPLITS_PER_EPOCH + 1);
            assertThat(row.getInt(3)).isEqualTo(SPLITS_PER_EPOCH);
            assertThat(row.getLong(4)).isPositive();
            assertThat(row.getDouble(5)).isPositive();
            assertThat(row.getDouble(6)).isPositive().isFinite();
          }
          double finalLoss =
              ConfigFactory.parseString(models.metadata(modelId)).getDouble("final_loss");
          assertThat(rows.get(rows.size() - 1).getDouble(6)).isEqualTo(finalLoss);
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notes")
  void noteRunsAsZeppelinRunsIt(Path file) throws IOException {
    ZeppelinNote note = ZeppelinNote.read(file);
    long start = System.nanoTime();
    boolean dataDirSet = false;
    for (ZeppelinNote.Paragraph paragraph : note.paragraphs()) {
      String where = note.name() + ": " + paragraph.label();
      switch (paragraph.interpreter()) {
        case "md" -> assertThat(paragraph.code()).as(where).isNotBlank();
        case "spark" -> {
          String code = paragraph.code();
          assertThat(code).as(where + " (forms are not filled in %spark)").doesNotContain("${");
          if (!dataDirSet) {
            Matcher line = DATA_DIR.matcher(code);
            assertThat(line.results().count())
                .as(where + ": the first %spark paragraph sets dataDir once")
                .isEqualTo(1);
            code = DATA_DIR.matcher(code).replaceFirst("val dataDir = \"" + dataDir + "\"");
            dataDirSet = true;
          }
          String printed = repl.interpret(code);
          System.out.printf("== %s ==%n%s", where, printed);
        }
        case "spark.sql" -> {
          assertThat(dataDirSet).as(where + " runs after the paragraph that sets dataDir").isTrue();
          Dataset<Row> result = spark.sql(withFormDefaults(paragraph.code(), where));
          List<Row> rows = result.takeAsList(MAX_RESULT + 1);
          assertThat(rows).as(where + " returns rows").isNotEmpty();
          assertChartColumns(where, paragraph.graph(), List.of(result.columns()));
          System.out.printf(
              "== %s: %d rows%s ==%n%s%n",
              where,
              rows.size(),
              rows.size() > MAX_RESULT ? "+" : "",
              String.join(", ", result.columns()));
          rows.stream().limit(30).forEach(r -> System.out.println("  " + r.mkString(" | ")));
        }
        default -> fail(where + ": no interpreter " + paragraph.interpreter() + " here");
      }
    }
    System.out.printf("ZeppelinNotesIT: %s ran in %.1f s%n", note.name(), seconds(start));
  }

  /** The paragraph as Zeppelin runs it when no form was touched: each form at its default. */
  static String withFormDefaults(String sql, String where) {
    Matcher form = FORM.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (form.find()) {
      assertThat(form.group(1)).as(where + ": a textbox form").doesNotContain(":");
      assertThat(form.group(2)).as(where + ": a textbox form").doesNotContain(",");
      form.appendReplacement(out, Matcher.quoteReplacement(form.group(2)));
    }
    form.appendTail(out);
    return out.toString();
  }

  /** Each column the chart plots (keys, groups, values) is in the result at the stored index. */
  private static void assertChartColumns(String where, JsonNode graph, List<String> columns) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < columns.size(); i++) {
      index.put(columns.get(i), i);
    }
    for (String role : List.of("keys", "groups", "values")) {
      for (JsonNode column : graph.path(role)) {
        assertThat(index.get(column.path("name").asText()))
            .as("%s: chart %s column %s", where, role, column.path("name").asText())
            .isEqualTo(column.path("index").asInt());
      }
    }
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
