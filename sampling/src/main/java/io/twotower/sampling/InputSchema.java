package io.twotower.sampling;

import java.util.Arrays;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StructField;

/** Schema checks run before any work, so a wrong input fails with the column's name. */
final class InputSchema {

  private InputSchema() {}

  static DataType requireColumn(Dataset<Row> table, String tableName, String column) {
    if (column == null || !Arrays.asList(table.columns()).contains(column)) {
      throw SamplingErrors.missingColumn(tableName, column, Arrays.asList(table.columns()));
    }
    StructField field = table.schema().apply(column);
    return field.dataType();
  }

  static void requireDateColumn(Dataset<Row> table, String tableName, String column) {
    DataType type = requireColumn(table, tableName, column);
    if (!type.equals(DataTypes.DateType)) {
      throw SamplingErrors.wrongColumnType(tableName, column, type.simpleString(), "date");
    }
  }

  static void requireIntegralColumn(Dataset<Row> table, String tableName, String column) {
    DataType type = requireColumn(table, tableName, column);
    if (!(type instanceof IntegralType)) {
      throw SamplingErrors.wrongColumnType(
          tableName, column, type.simpleString(), "an integral type (int, bigint)");
    }
  }
}
