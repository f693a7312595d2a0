package io.twotower.jobs.features;

import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.ENGAGEMENT;
import static io.twotower.jobs.tables.Table.Columns.FIELD;
import static io.twotower.jobs.tables.Table.Columns.FIELD_IDX;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.ITEM_IDX;
import static io.twotower.jobs.tables.Table.Columns.REASON;
import static io.twotower.jobs.tables.Table.Columns.SPLIT;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static io.twotower.jobs.tables.Table.Columns.VALUE;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.explode_outer;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_from_arrays;
import static org.apache.spark.sql.functions.struct;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.config.FeaturesConfig;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.ingest.IngestJob;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Quarantine;
import io.twotower.jobs.tables.StageCommits;
import io.twotower.jobs.tables.Table;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code features}: one training example per event (the query's history window, the candidate
 * item's id and categorical features, a reward, and with {@code features.user-fields} the user's
 * categorical features, see {@link UserFeatures}), the held-out split, and the vocabularies. Every
 * run extends the vocabularies (see {@link Vocabulary#grow}) with the training split's values up to
 * its last day, so indices never move: a dated run (--date) rewrites only that day's examples,
 * earlier days' indices stay valid, and an item first seen that day gets its own index at once.
 */
public final class FeaturesJob {

  private static final Logger LOG = LoggerFactory.getLogger(FeaturesJob.class);

  private FeaturesJob() {}

  /** The tables features publishes together. */
  public static final List<Table> OUTPUTS =
      List.of(Table.VOCABULARIES, Table.ITEM_FEATURES, Table.TRAINING_EXAMPLES);

  public static void run(DeltaStore store, JobConfig config, DateRange dates) {
    FeaturesConfig settings = config.features();
    // Ingest's tables as its last finished run left them; this stage's own are read as written.
    store = store.atPublished(IngestJob.OUTPUTS);
    Dataset<Row> events = store.read(Table.EVENTS);
    Dataset<Row> items = store.read(Table.ITEMS);
    ItemColumns columns = ItemColumns.of(items.schema());

    Dataset<Row> known = events.join(items.select(ITEM_ID), ITEM_ID);
    long unknown =
        Quarantine.write(
            store,
            "features",
            "events",
            events
                .join(
                    items.select(ITEM_ID),
                    events.col(ITEM_ID).equalTo(items.col(ITEM_ID)),
                    "left_anti")
                .withColumn(REASON, lit("item_id not in the items table")));
    if (unknown > 0) {
      LOG.warn(String.format("%,d events reference unknown items -> quarantine", unknown));
    }
    UserFeatures users =
        settings.userFields().isEmpty() ? null : UserFeatures.read(store, settings.userFields());
    Dataset<Row> labelled = HeldOutSplit.assign(known, settings).cache();

    // The vocabularies know the values up to the run's last day: a dated run must not index items
    // that first appear on later days (they are out of vocabulary until their day is run).
    Dataset<Row> upToLastDay = labelled.where(new DateRange(null, dates.to()).includes(col(DT)));
    Dataset<Row> occurrences = occurrences(upToLastDay, items, columns);
    if (users != null) {
      occurrences = occurrences.unionByName(users.occurrences());
    }
    if (!store.exists(Table.VOCABULARIES)) {
      store.overwrite(
          Table.VOCABULARIES,
          Vocabulary.build(occurrences, settings.minCount(), settings.oovBuckets()));
    } else {
      Dataset<Row> existing = store.read(Table.VOCABULARIES);
      if (!dates.isAll()) {
        requireSameUserFields(Vocabulary.fromTable(existing), settings);
      }
      store.overwrite(
          Table.VOCABULARIES,
          Vocabulary.grow(existing, occurrences, settings.minCount(), settings.oovBuckets()));
    }
    Vocabulary vocabulary = Vocabulary.fromTable(store.read(Table.VOCABULARIES));
    requireSameUserFields(vocabulary, settings);
    Broadcast<Vocabulary> shared =
        JavaSparkContext.fromSparkContext(store.spark().sparkContext()).broadcast(vocabulary);

    Dataset<Row> itemFeatures = encodeItems(items, columns, shared);
    store.overwrite(Table.ITEM_FEATURES, itemFeatures);
    itemFeatures = store.read(Table.ITEM_FEATURES);

    Dataset<Row> examples =
        labelled
            .groupBy(USER_ID)
            .agg(collect_list(struct(TS, ITEM_ID, ENGAGEMENT, DT, SPLIT)).as("events"))
            .flatMap(
                new ExampleRows(settings.historyLength(), settings.reward(), shared),
                Encoders.row(ExampleRows.SCHEMA))
            .join(itemFeatures, ITEM_ID);
    examples = examples.where(dates.includes(col(DT)));
    StructType written = Table.TRAINING_EXAMPLES.requiredColumns();
    if (users != null) {
      examples = users.join(examples, shared);
      written = written.add(Table.USER_FIELD_IDX);
    }
    examples = examples.select(columnsOf(written));
    if (dates.isAll()) {
      store.overwrite(Table.TRAINING_EXAMPLES, examples);
    } else {
      store.replaceWhere(Table.TRAINING_EXAMPLES, examples, dates.predicate(DT).orElseThrow());
    }
    labelled.unpersist();
    StageCommits.publish(store, "features", dates, OUTPUTS);
    report(store, dates, vocabulary, columns);
  }

  /** A dated run encodes with the existing vocabularies: they must hold the configured fields. */
  private static void requireSameUserFields(Vocabulary vocabulary, FeaturesConfig settings) {
    List<String> configured = settings.userFields().stream().sorted().toList();
    if (!vocabulary.userFields().equals(configured)) {
      throw JobErrors.userFieldsDifferFromVocabulary(
          settings.userFields(), vocabulary.userFields());
    }
  }

  /** (field, value) once per training event for item ids, once per item for each feature. */
  static Dataset<Row> occurrences(Dataset<Row> labelled, Dataset<Row> items, ItemColumns columns) {
    Dataset<Row> all =
        labelled
            .where(col(SPLIT).equalTo(HeldOutSplit.TRAIN))
            .select(lit(Vocabulary.ITEM_FIELD).as(FIELD), col(ITEM_ID).as(VALUE));
    for (String name : columns.singleValued()) {
      all = all.unionByName(items.select(lit(name).as(FIELD), orNone(col(name)).as(VALUE)));
    }
    for (String name : columns.multiValued()) {
      all =
          all.unionByName(
              items
                  .select(lit(name).as(FIELD), explode_outer(col(name)).as(VALUE))
                  .select(col(FIELD), orNone(col(VALUE)).as(VALUE)));
    }
    return all;
  }

  /** item_features rows: item_id, item_idx and field_idx (field name -> value indices). */
  static Dataset<Row> encodeItems(
      Dataset<Row> items, ItemColumns columns, Broadcast<Vocabulary> vocabulary) {
    List<String> fields = columns.all();
    StructType schema =
        new StructType()
            .add(ITEM_ID, DataTypes.StringType, false)
            .add(ITEM_IDX, DataTypes.IntegerType, false);
    for (String field : fields) {
      schema =
          schema.add("f_" + field, DataTypes.createArrayType(DataTypes.IntegerType, false), false);
    }
    Dataset<Row> encoded =
        items.map(
            (org.apache.spark.api.java.function.MapFunction<Row, Row>)
                item -> encodeItem(item, columns, vocabulary.value()),
            Encoders.row(schema));
    Column[] names = fields.stream().map(functionsLit()).toArray(Column[]::new);
    Column[] values = fields.stream().map(f -> col("f_" + f)).toArray(Column[]::new);
    Column fieldIdx =
        fields.isEmpty()
            ? map_from_arrays(array().cast("array<string>"), array().cast("array<array<int>>"))
            : map_from_arrays(array(names), array(values));
    return encoded.select(col(ITEM_ID), col(ITEM_IDX), fieldIdx.as(FIELD_IDX));
  }

  private static Row encodeItem(Row item, ItemColumns columns, Vocabulary vocab) {
    List<Object> values = new ArrayList<>();
    String id = item.getAs(ITEM_ID);
    values.add(id);
    values.add(vocab.index(Vocabulary.ITEM_FIELD, id));
    for (String field : columns.singleValued()) {
      String value = item.getAs(field);
      values.add(new Integer[] {vocab.index(field, blankToNone(value))});
    }
    for (String field : columns.multiValued()) {
      List<String> raw =
          item.getAs(field) == null ? List.of() : item.getList(item.fieldIndex(field));
      List<Integer> indices = new ArrayList<>();
      for (String value : raw) {
        indices.add(vocab.index(field, blankToNone(value)));
      }
      if (indices.isEmpty()) {
        indices.add(vocab.index(field, Vocabulary.NONE));
      }
      values.add(indices.stream().distinct().toArray(Integer[]::new));
    }
    return RowFactory.create(values.toArray());
  }

  static String blankToNone(String value) {
    return value == null || value.isBlank() ? Vocabulary.NONE : value;
  }

  static Column orNone(Column value) {
    return org.apache
        .spark
        .sql
        .functions
        .when(
            value.isNull().or(org.apache.spark.sql.functions.trim(value).equalTo("")),
            lit(Vocabulary.NONE))
        .otherwise(value);
  }

  private static java.util.function.Function<String, Column> functionsLit() {
    return org.apache.spark.sql.functions::lit;
  }

  private static Column[] columnsOf(StructType schema) {
    return java.util.Arrays.stream(schema.fieldNames()).map(c -> col(c)).toArray(Column[]::new);
  }

  private static void report(
      DeltaStore store, DateRange dates, Vocabulary vocabulary, ItemColumns columns) {
    Dataset<Row> written = store.read(Table.TRAINING_EXAMPLES);
    written = written.where(dates.includes(col(DT)));
    List<Row> bySplit = written.groupBy(SPLIT).count().orderBy(SPLIT).collectAsList();
    StringBuilder line = new StringBuilder("training examples (" + dates + "):");
    for (Row row : bySplit) {
      line.append(String.format(" %s=%,d", row.getString(0), row.getLong(1)));
    }
    line.append(
        String.format(" | item ids: %,d indices", vocabulary.cardinality(Vocabulary.ITEM_FIELD)));
    for (String field : columns.all()) {
      line.append(String.format(", %s: %,d", field, vocabulary.cardinality(field)));
    }
    for (String field : vocabulary.userFields()) {
      String name = Vocabulary.userField(field);
      line.append(String.format(", %s: %,d", name, vocabulary.cardinality(name)));
    }
    LOG.info(line.toString());
  }
}
