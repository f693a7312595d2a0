package io.twotower.jobs.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.evaluate.RecallAtK.Recall;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class RecallAtKTest {

  @SparkTestSession static SparkSession spark;

  /** Hand-set 2-d embeddings, rows in item_id order. */
  static final ItemCorpus CORPUS =
      ItemCorpus.of(
          List.of("a", "b", "c", "d", "e"),
          new int[] {0, 1, 2, 3, 4},
          new float[][] {{1f, 0f}, {0.8f, 0.6f}, {0.6f, 0.8f}, {0f, 1f}, {-1f, 0f}});

  /** History starting with item 0 queries along x, anything else along y. */
  static final QueryEncoder BY_FIRST_ITEM =
      histories ->
          histories.stream()
              .map(h -> h.length > 0 && h[0] == 0 ? new float[] {1f, 0f} : new float[] {0f, 1f})
              .toArray(float[][]::new);

  @Test
  void ranksHeldOutItemsAgainstTheWholeCorpus() {
    // x = (1,0) ranks a 1, b .8, c .6, d 0, e -1;  y = (0,1) ranks d 1, c .8, b .6, a 0, e 0
    // (a before e: equal scores go to the earlier row).
    //   u1 x, target b, a excluded            -> b c d e    rank 1
    //   u2 x, target c                        -> a b c ...  rank 3
    //   u3 y, target a, c and an unknown id excluded -> d b a e rank 3
    //   u4 y, target e                        -> d c b a e  rank 5
    //   u5 x, target d, d excluded (seen)     -> miss
    // R@1 = 1/5, R@3 = 3/5, R@5 = 4/5; one excluded target.
    Dataset<Row> heldOut =
        spark
            .sql(
                "SELECT * FROM VALUES "
                    + "('u1','b',array(0),array('a')),"
                    + "('u2','c',array(0),array()),"
                    + "('u3','a',array(3),array('c','zz')),"
                    + "('u4','e',array(),array()),"
                    + "('u5','d',array(0,3),array('d')) "
                    + "AS t(user_id, item_id, history_idx, exclude)")
            .selectExpr(
                "user_id",
                "item_id",
                "CAST(history_idx AS ARRAY<INT>) AS history_idx",
                "CAST(exclude AS ARRAY<STRING>) AS exclude")
            .repartition(2);

    Recall recall = RecallAtK.of(heldOut, BY_FIRST_ITEM, CORPUS, List.of(1, 3, 5));

    assertThat(recall.queries()).isEqualTo(5);
    assertThat(recall.excludedTargets()).isEqualTo(1);
    assertThat(recall.recall()).containsExactly(0.2, 0.6, 0.8);
  }

  @Test
  void retrievalKeepsTheQueryColumnsAndListsCandidatesBestFirst() {
    Dataset<Row> queries =
        spark.sql(
            "SELECT 'u3' AS user_id, array(3) AS history_idx, CAST(array('c') AS ARRAY<STRING>)"
                + " AS exclude");

    Row row = CorpusRetrieval.topK(queries, BY_FIRST_ITEM, CORPUS, 3).head();

    assertThat(row.<String>getAs("user_id")).isEqualTo("u3");
    List<Row> candidates = row.getList(row.fieldIndex(CorpusRetrieval.CANDIDATES));
    assertThat(candidates).extracting(c -> c.getString(0)).containsExactly("d", "b", "a");
    assertThat(candidates).extracting(c -> c.getFloat(1)).containsExactly(1f, 0.6f, 0f);
  }

  @Test
  void popularityRanksByTrainingCountWithTheSameExclusions() {
    // Training counts: a 3, b 2, c 1, d 1, e 0 -> ranking a b c d e (c before d by id).
    //   u1 c, trained {a,b}        -> c d e   rank 1
    //   u2 b, trained {a,c}        -> b d e   rank 1
    //   u3 d, trained {a,b}        -> c d e   rank 2
    //   u4 d, trained {d}: a re-consumption, excluded -> miss
    // R@1 = 2/4 = .5, R@2 = 3/4 = .75, R@5 = .75.
    Dataset<Row> examples =
        spark
            .sql(
                "SELECT * FROM VALUES "
                    + "('u1','a','train',array()),('u1','b','train',array('a')),"
                    + "('u2','a','train',array()),('u2','c','train',array('a')),"
                    + "('u3','a','train',array()),('u3','b','train',array('a')),"
                    + "('u4','d','train',array()),"
                    + "('u1','c','test',array('b','a')),('u2','b','test',array('c','a')),"
                    + "('u3','d','test',array('b','a')),('u4','d','test',array('d')) "
                    + "AS t(user_id, item_id, split, history)")
            .selectExpr(
                "user_id",
                "item_id",
                "split",
                "CAST(history AS ARRAY<STRING>) AS history",
                "CAST(array() AS ARRAY<INT>) AS history_idx",
                "DATE'2026-01-01' AS dt");
    Dataset<Row> items =
        spark.sql(
            "SELECT * FROM VALUES ('a',0),('b',1),('c',2),('d',3),('e',4) AS t(item_id, item_idx)");

    Recall recall =
        RecallAtK.of(
            HeldOutQueries.from(examples, DateRange.ALL),
            QueryEncoder.constant(new float[] {1f}),
            ItemCorpora.popularity(items, examples.filter("split = 'train'")),
            List.of(1, 2, 5));

    assertThat(recall.queries()).isEqualTo(4);
    assertThat(recall.excludedTargets()).isEqualTo(1);
    assertThat(recall.recall().get(0)).isCloseTo(0.5, within(1e-12));
    assertThat(recall.recall().get(1)).isCloseTo(0.75, within(1e-12));
    assertThat(recall.recall().get(2)).isCloseTo(0.75, within(1e-12));
  }
}
