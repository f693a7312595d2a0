package io.twotower.jobs.evaluate;

import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.REWARD;
import static io.twotower.jobs.tables.Table.Columns.SPLIT;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import io.twotower.jobs.config.EvaluateConfig.AlsConfig;
import io.twotower.jobs.config.FeaturesConfig;
import io.twotower.jobs.features.HeldOutSplit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The implicit-feedback ALS baseline (Hu, Koren and Volinsky 2008; Spark MLlib's {@link ALS} with
 * implicitPrefs): fitted on the training split, one confidence per (user, item) = the sum of the
 * pair's training rewards (the count of its events under the default constant reward).
 *
 * <p>It is ranked by the same code as every other method: the item factors are the corpus, the user
 * factors the query vectors, so {@link RecallAtK} applies the same held-out events, the same
 * exclusions and the same tie-break ({@code recommendForAllUsers} would rank differently and knows
 * no exclusions). Vectors carry one extra coordinate: 1 for every user, 0 for every item with
 * factors and {@code -Float.MAX_VALUE} for corpus items absent from the training split, which ALS
 * cannot score, so they rank last, as never-seen items do under popularity. A held-out user without
 * training events gets a zero vector (no information).
 *
 * <p>Tuning ({@link AlsConfig#tuned()}): on the {@link ValidationSplit} of the training split,
 * every grid point is fitted on the remaining training events and scored on the carved-out
 * validation events with Recall@K, and the best mean Recall@K over {@code ks} is refitted on the
 * whole training split. The test events are never seen while tuning.
 */
public final class AlsBaseline {

  private static final Logger LOG = LoggerFactory.getLogger(AlsBaseline.class);

  private static final String USER = "_als_user";
  private static final String ITEM = "_als_item";

  private AlsBaseline() {}

  /** A fitted model as retrieval needs it: corpus of item factors, user lookup, user factors. */
  record Fitted(ItemCorpus corpus, StringIndexerModel users, Broadcast<float[][]> userVectors) {

    /** Recall@K of {@code heldOut} (columns of {@link HeldOutQueries#from}) with this model. */
    RecallAtK.Recall recall(Dataset<Row> heldOut, List<Integer> ks) {
      Dataset<Row> queries =
          users
              .transform(heldOut)
              .withColumn(CorpusRetrieval.HISTORY, array(col(USER).cast("int")))
              .drop(USER);
      int dim = corpus.dim();
      Broadcast<float[][]> vectors = userVectors;
      QueryEncoder encoder =
          histories -> {
            float[][] known = vectors.value();
            float[] unknown = new float[dim];
            unknown[dim - 1] = 1f;
            float[][] out = new float[histories.size()][];
            for (int q = 0; q < out.length; q++) {
              int user = histories.get(q)[0];
              out[q] = user < known.length ? known[user] : unknown;
            }
            return out;
          };
      return RecallAtK.of(queries, encoder, corpus, ks);
    }
  }

  /** Fits on {@code training} (user_id, item_id, reward rows) over the corpus of item_features. */
  static Fitted fit(Dataset<Row> training, Dataset<Row> itemFeatures, AlsConfig config) {
    List<String> itemIds =
        itemFeatures
            .select(ITEM_ID)
            .orderBy(ITEM_ID)
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    List<Row> indexRows = new ArrayList<>(itemIds.size());
    for (int i = 0; i < itemIds.size(); i++) {
      indexRows.add(RowFactory.create(itemIds.get(i), i));
    }
    Dataset<Row> itemIndex =
        training
            .sparkSession()
            .createDataFrame(
                indexRows,
                new StructType()
                    .add(ITEM_ID, DataTypes.StringType, false)
                    .add(ITEM, DataTypes.IntegerType, false));
    StringIndexerModel users =
        new StringIndexer()
            .setInputCol(USER_ID)
            .setOutputCol(USER)
            .setStringOrderType("alphabetAsc")
            .setHandleInvalid("keep")
            .fit(training.select(USER_ID));
    Dataset<Row> ratings =
        users
            .transform(training.select(USER_ID, ITEM_ID, REWARD))
            .join(itemIndex, ITEM_ID)
            .groupBy(col(USER).cast("int").as(USER), col(ITEM))
            .agg(sum(REWARD).cast("float").as("confidence"))
            .persist(StorageLevel.MEMORY_AND_DISK());
    ALSModel model =
        new ALS()
            .setImplicitPrefs(true)
            .setRank(config.rank())
            .setRegParam(config.regParam())
            .setAlpha(config.alpha())
            .setMaxIter(config.maxIter())
            .setSeed(config.seed())
            .setUserCol(USER)
            .setItemCol(ITEM)
            .setRatingCol("confidence")
            .fit(ratings);
    int rank = config.rank();
    float[][] items = new float[itemIds.size()][];
    for (Row row : model.itemFactors().collectAsList()) {
      items[row.getInt(0)] = withLast(row.getList(1), 0f, rank);
    }
    for (int i = 0; i < items.length; i++) {
      if (items[i] == null) {
        items[i] = new float[rank + 1];
        items[i][rank] = -Float.MAX_VALUE;
      }
    }
    float[][] userVectors = new float[users.labelsArray()[0].length][];
    for (Row row : model.userFactors().collectAsList()) {
      userVectors[row.getInt(0)] = withLast(row.getList(1), 1f, rank);
    }
    for (int u = 0; u < userVectors.length; u++) {
      if (userVectors[u] == null) {
        userVectors[u] = new float[rank + 1];
        userVectors[u][rank] = 1f;
      }
    }
    ratings.unpersist();
    ItemCorpus corpus = ItemCorpus.of(itemIds, new int[itemIds.size()], items);
    Broadcast<float[][]> shared =
        JavaSparkContext.fromSparkContext(training.sparkSession().sparkContext())
            .broadcast(userVectors);
    return new Fitted(corpus, users, shared);
  }

  /**
   * The best grid point of {@code config} by mean Recall@K over {@code ks} on a validation split
   * carved from {@code training} (training_examples rows) as {@code split} describes; {@code
   * config} itself when no grid is configured.
   */
  static AlsConfig tune(
      Dataset<Row> training,
      Dataset<Row> itemFeatures,
      AlsConfig config,
      FeaturesConfig split,
      List<Integer> ks) {
    if (!config.tuned()) {
      return config;
    }
    Dataset<Row> carved =
        ValidationSplit.carve(training, split).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> fitOn = carved.filter(col(SPLIT).equalTo(HeldOutSplit.TRAIN));
    Dataset<Row> validation =
        ValidationSplit.queries(carved, split).persist(StorageLevel.MEMORY_AND_DISK());
    AlsConfig best = null;
    double bestScore = -1;
    try {
      for (AlsConfig candidate : config.candidates()) {
        RecallAtK.Recall recall = fit(fitOn, itemFeatures, candidate).recall(validation, ks);
        double score = recall.meanOverKs();
        LOG.info(
            String.format(
                Locale.ROOT,
                "validation (%d events) %s: recall %s, mean %.4f",
                recall.queries(),
                candidate,
                Arrays.toString(
                    recall.recall().stream().mapToDouble(Double::doubleValue).toArray()),
                score));
        if (score > bestScore) {
          best = candidate;
          bestScore = score;
        }
      }
    } finally {
      validation.unpersist();
      carved.unpersist();
    }
    LOG.info("chose {}", best);
    return best;
  }

  private static float[] withLast(List<Float> factors, float last, int rank) {
    float[] v = new float[rank + 1];
    for (int i = 0; i < rank; i++) {
      v[i] = factors.get(i);
    }
    v[rank] = last;
    return v;
  }
}
