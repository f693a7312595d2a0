package io.twotower.jobs.export;

import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.MODEL_ID;
import static io.twotower.jobs.tables.Table.Columns.RANK;
import static io.twotower.jobs.tables.Table.Columns.SCORE;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.posexplode;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.evaluate.CorpusRetrieval;
import io.twotower.jobs.evaluate.ItemCorpora;
import io.twotower.jobs.evaluate.ItemCorpus;
import io.twotower.jobs.evaluate.ShippedModelEncoder;
import io.twotower.jobs.features.FeaturesJob;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.StageCommits;
import io.twotower.jobs.tables.Table;
import io.twotower.jobs.train.TowerInputs;
import io.twotower.towers.TwoTowerModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code two-tower export}: the latest model's item embeddings for the whole corpus ({@code
 * item_embeddings}) and every user's top-K unseen items ({@code user_candidates}, K = {@code
 * export.top-k}). Each table's rows of this model are replaced, other models' rows kept, so a rerun
 * gives the same tables.
 */
public final class ExportJob {

  private static final Logger LOG = LoggerFactory.getLogger(ExportJob.class);

  /** What one export wrote. */
  public record ExportResult(
      String modelId, long items, long users, long candidates, double seconds) {}

  private static final Pattern SAFE_MODEL_ID = Pattern.compile("[A-Za-z0-9._-]+");

  private ExportJob() {}

  /**
   * Exports the model LATEST names. Every user is exported whatever {@code dates} says: a partial
   * export would replace the model's candidates with a subset.
   */
  public static ExportResult run(DeltaStore store, JobConfig config, DateRange dates) {
    long start = System.nanoTime();
    // Features' tables as its last finished run left them.
    store = store.atPublished(FeaturesJob.OUTPUTS);
    ModelStore models = new ModelStore(store);
    String modelId = models.latestId();
    if (!SAFE_MODEL_ID.matcher(modelId).matches()) {
      throw JobErrors.unusableModelId(modelId);
    }
    // A model of an earlier day scores items indexed since with fresh rows (see TowerInputs).
    TwoTowerModel model = TowerInputs.grownToVocabularies(store, models.load(modelId));
    Dataset<Row> examples = store.read(Table.TRAINING_EXAMPLES);
    ItemCorpus corpus = ItemCorpora.twoTower(model, store.read(Table.ITEM_FEATURES));
    String thisModel = "model_id = '" + modelId + "'";

    store.replaceWhere(
        Table.ITEM_EMBEDDINGS, itemEmbeddings(store.spark(), modelId, corpus), thisModel);
    Dataset<Row> queries = UserQueries.from(examples, model.config().historyLength());
    store.replaceWhere(
        Table.USER_CANDIDATES,
        candidates(
            modelId,
            CorpusRetrieval.topK(
                queries,
                ShippedModelEncoder.of(store.spark(), model),
                corpus,
                config.exportTopK())),
        thisModel);
    StageCommits.publish(
        store, "export", dates, List.of(Table.ITEM_EMBEDDINGS, Table.USER_CANDIDATES));

    Row written =
        store
            .read(Table.USER_CANDIDATES)
            .filter(thisModel)
            .agg(countDistinct(USER_ID), count(lit(1)))
            .head();
    ExportResult result =
        new ExportResult(
            modelId,
            corpus.size(),
            written.getLong(0),
            written.getLong(1),
            (System.nanoTime() - start) / 1e9);
    LOG.info(
        String.format(
            Locale.ROOT,
            "exported model %s: %d item embeddings, top-%d candidates for %d users (%d rows) in"
                + " %.1f s",
            modelId,
            result.items(),
            config.exportTopK(),
            result.users(),
            result.candidates(),
            result.seconds()));
    if (!dates.isAll()) {
      LOG.warn("export covers every user and day; the date range {} is ignored", dates);
    }
    return result;
  }

  /** item_embeddings rows of {@code modelId}, one per corpus item. */
  static Dataset<Row> itemEmbeddings(SparkSession spark, String modelId, ItemCorpus corpus) {
    List<Row> rows = new ArrayList<>(corpus.size());
    for (int row = 0; row < corpus.size(); row++) {
      float[] v = corpus.vector(row);
      Float[] boxed = new Float[v.length];
      for (int i = 0; i < v.length; i++) {
        boxed[i] = v[i];
      }
      rows.add(RowFactory.create(modelId, corpus.itemId(row), corpus.itemIdx(row), boxed));
    }
    return spark.createDataFrame(rows, Table.ITEM_EMBEDDINGS.requiredColumns());
  }

  /** user_candidates rows: one per (user, retrieved item), rank 1 = best. */
  static Dataset<Row> candidates(String modelId, Dataset<Row> retrieved) {
    return retrieved
        .select(
            col(USER_ID), posexplode(col(CorpusRetrieval.CANDIDATES)).as(new String[] {"pos", "c"}))
        .select(
            lit(modelId).as(MODEL_ID),
            col(USER_ID),
            col("pos").plus(1).cast("int").as(RANK),
            col("c.item_id").as(ITEM_ID),
            col("c.score").as(SCORE));
  }
}
