package io.twotower.jobs.features;

import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.ENGAGEMENT;
import static io.twotower.jobs.tables.Table.Columns.HISTORY;
import static io.twotower.jobs.tables.Table.Columns.HISTORY_IDX;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.REWARD;
import static io.twotower.jobs.tables.Table.Columns.SPLIT;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;

import io.twotower.jobs.config.FeaturesConfig.Reward;
import io.twotower.jobs.tables.Table;
import java.io.Serializable;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Turns one user's events (a row of user_id and the collected list of (ts, item_id, engagement, dt,
 * split) structs) into one example row per event, with the history window and its encoding.
 */
final class ExampleRows implements FlatMapFunction<Row, Row>, Serializable {

  /** The training_examples columns this step fills; the candidate's features are joined after. */
  static final StructType SCHEMA =
      new StructType(
          java.util.stream.Stream.of(USER_ID, ITEM_ID, TS, DT, SPLIT, REWARD, HISTORY, HISTORY_IDX)
              .map(Table.TRAINING_EXAMPLES.requiredColumns()::apply)
              .toArray(org.apache.spark.sql.types.StructField[]::new));

  private final int historyLength;
  private final Reward reward;
  private final Broadcast<Vocabulary> vocabulary;

  ExampleRows(int historyLength, Reward reward, Broadcast<Vocabulary> vocabulary) {
    this.historyLength = historyLength;
    this.reward = reward;
    this.vocabulary = vocabulary;
  }

  @Override
  public Iterator<Row> call(Row user) {
    String userId = user.getString(0);
    List<Row> events = new ArrayList<>(user.getList(1));
    events.sort(
        Comparator.comparing((Row e) -> (Timestamp) e.getAs(TS))
            .thenComparing(e -> (String) e.getAs(ITEM_ID)));
    List<HistoryWindow.Event> timeline = new ArrayList<>(events.size());
    for (Row e : events) {
      timeline.add(new HistoryWindow.Event(micros(e.getAs(TS)), e.getAs(ITEM_ID)));
    }
    List<List<String>> histories = new HistoryWindow(historyLength).histories(timeline);
    Vocabulary vocab = vocabulary.value();
    List<Row> out = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      Row e = events.get(i);
      List<String> history = histories.get(i);
      Integer[] encoded = new Integer[history.size()];
      for (int h = 0; h < encoded.length; h++) {
        encoded[h] = vocab.index(Vocabulary.ITEM_FIELD, history.get(h));
      }
      out.add(
          RowFactory.create(
              userId,
              e.getAs(ITEM_ID),
              e.getAs(TS),
              e.getAs(DT),
              e.getAs(SPLIT),
              reward(e.getAs(ENGAGEMENT)),
              history.toArray(String[]::new),
              encoded));
    }
    return out.iterator();
  }

  private double reward(double engagement) {
    return switch (reward) {
      case CONSTANT -> 1.0;
      case ENGAGEMENT -> engagement;
      case LOG1P -> Math.log1p(engagement);
    };
  }

  private static long micros(Timestamp ts) {
    return ts.getTime() * 1000L + (ts.getNanos() / 1000) % 1000;
  }
}
