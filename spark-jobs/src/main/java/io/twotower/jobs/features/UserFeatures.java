package io.twotower.jobs.features;

import static io.twotower.jobs.tables.Table.Columns.COUNT;
import static io.twotower.jobs.tables.Table.Columns.FIELD;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static io.twotower.jobs.tables.Table.Columns.VALUE;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_from_arrays;

import io.twotower.jobs.JobErrors;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The query tower's optional user fields ({@code features.user-fields}): STRING columns of the
 * {@code users} table, encoded like single-valued item fields. Each field's values count once per
 * user towards {@code min-count}; a missing value, and a user without a row in {@code users}, is
 * {@link Vocabulary#NONE}. Examples carry the indices as {@link Table#USER_FIELD_IDX}.
 *
 * @param fields the configured field names, in config order
 * @param users {@code user_id} and the fields, one row per user
 */
record UserFeatures(List<String> fields, Dataset<Row> users) {

  /** The configured fields' columns of the users table, checked; fails naming what is wrong. */
  static UserFeatures read(DeltaStore store, List<String> fields) {
    if (!store.exists(Table.USERS)) {
      throw JobErrors.noUsersTable(fields, store.path(Table.USERS));
    }
    Dataset<Row> users = store.read(Table.USERS);
    List<String> strings = new ArrayList<>();
    for (StructField column : users.schema().fields()) {
      if (column.dataType().equals(DataTypes.StringType) && !column.name().equals(USER_ID)) {
        strings.add(column.name());
      }
    }
    for (String field : fields) {
      if (!strings.contains(field)) {
        throw JobErrors.userFieldNotInUsers(field, store.path(Table.USERS), strings);
      }
    }
    Column[] columns = new Column[fields.size() + 1];
    columns[0] = col(USER_ID);
    for (int f = 0; f < fields.size(); f++) {
      columns[f + 1] = col(fields.get(f));
    }
    Dataset<Row> selected = users.select(columns);
    long duplicated = selected.groupBy(USER_ID).count().where(col(COUNT).gt(1)).count();
    if (duplicated > 0) {
      throw JobErrors.duplicateUsers(store.path(Table.USERS), duplicated);
    }
    return new UserFeatures(List.copyOf(fields), selected);
  }

  /** (field, value) rows for {@link Vocabulary#build}: each user's value of each field, once. */
  Dataset<Row> occurrences() {
    Dataset<Row> all = null;
    for (String field : fields) {
      Dataset<Row> values =
          users.select(
              lit(Vocabulary.userField(field)).as(FIELD), FeaturesJob.orNone(col(field)).as(VALUE));
      all = all == null ? values : all.unionByName(values);
    }
    return all;
  }

  /**
   * {@code examples} with {@link Table#USER_FIELD_IDX} appended: the user's index of every field,
   * the {@link Vocabulary#NONE} index for users without a row in {@code users}.
   */
  Dataset<Row> join(Dataset<Row> examples, Broadcast<Vocabulary> vocabulary) {
    StructType schema = new StructType().add(USER_ID, DataTypes.StringType, false);
    for (String field : fields) {
      schema = schema.add("u_" + field, DataTypes.IntegerType, false);
    }
    List<String> names = fields;
    MapFunction<Row, Row> encode =
        user -> {
          Object[] values = new Object[names.size() + 1];
          values[0] = user.getString(0);
          for (int f = 0; f < names.size(); f++) {
            String value = user.getString(f + 1);
            values[f + 1] =
                vocabulary
                    .value()
                    .index(Vocabulary.userField(names.get(f)), FeaturesJob.blankToNone(value));
          }
          return RowFactory.create(values);
        };
    Dataset<Row> encoded = users.map(encode, Encoders.row(schema));
    Column[] keys = fields.stream().map(f -> lit(f)).toArray(Column[]::new);
    Column[] indices = fields.stream().map(f -> col("u_" + f)).toArray(Column[]::new);
    Column[] none =
        fields.stream()
            .map(f -> lit(vocabulary.value().index(Vocabulary.userField(f), Vocabulary.NONE)))
            .toArray(Column[]::new);
    String column = Table.USER_FIELD_IDX.name();
    Dataset<Row> byUser =
        encoded.select(col(USER_ID), map_from_arrays(array(keys), array(indices)).as(column));
    return examples
        .join(byUser, USER_ID, "left")
        .withColumn(column, coalesce(col(column), map_from_arrays(array(keys), array(none))));
  }
}
