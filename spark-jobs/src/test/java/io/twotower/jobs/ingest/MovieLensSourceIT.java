package io.twotower.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobException;
import io.twotower.jobs.SharedData;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MovieLensSourceIT {

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;

  @Test
  void ingestsMlLatestSmall() {
    Path folder = SharedData.requireMlLatestSmall();
    DeltaStore store = new DeltaStore(spark, scratch.resolve("ml-latest-small"));

    IngestReport report =
        IngestJob.ingest(
            store,
            MovieLensSource.read(spark, folder.toString()),
            DateRange.ALL,
            IngestBounds.DEFAULTS);

    // ratings.csv: 100,836 ratings by 610 users of 9,724 movies; movies.csv lists 9,742 movies.
    // Every row is valid: no quarantine.
    assertThat(report.eventsRead()).isEqualTo(100_836);
    assertThat(report.eventsValid()).isEqualTo(100_836);
    assertThat(report.eventsQuarantined()).isEmpty();
    assertThat(report.itemsValid()).isEqualTo(9_742);
    assertThat(report.itemsQuarantined()).isEmpty();
    assertThat(report.users()).isEqualTo(610);
    assertThat(report.itemsWithEvents()).isEqualTo(9_724);
    // 1996-03-29 18:36:55 to 2018-09-24 14:27:30 UTC, ratings on 4,110 distinct days.
    assertThat(report.firstDay()).hasToString("1996-03-29");
    assertThat(report.lastDay()).hasToString("2018-09-24");
    assertThat(report.days()).isEqualTo(4_110);
    assertThat(store.read(Table.EVENTS).count()).isEqualTo(100_836);

    Map<String, Row> items =
        store
            .read(Table.ITEMS)
            .where("item_id IN ('1', '11', '29', '122896', '40697')")
            .collectAsList()
            .stream()
            .collect(Collectors.toMap(r -> r.getString(0), r -> r));
    assertThat(genres(items.get("1")))
        .containsExactly("Adventure", "Animation", "Children", "Comedy", "Fantasy");
    assertThat(year(items.get("1"))).isEqualTo("1995");
    // "American President, The (1995)": a quoted title with a comma.
    assertThat(genres(items.get("11"))).containsExactly("Comedy", "Drama", "Romance");
    assertThat(year(items.get("11"))).isEqualTo("1995");
    // "City of Lost Children, The (Cité des enfants perdus, La) (1995)": the last parentheses.
    assertThat(year(items.get("29"))).isEqualTo("1995");
    // 122896 "Pirates of the Caribbean: Dead Men Tell No Tales (2017)" has "(no genres listed)".
    assertThat(genres(items.get("122896"))).isEmpty();
    // 40697 "Babylon 5" (no year) -> unknown.
    assertThat(year(items.get("40697"))).isEqualTo(MovieLensSource.UNKNOWN_YEAR);
    // 12 of 9,742 titles carry no "(yyyy)"; "Death Note: Desu nôto (2006–2007)" counts as 2006.
    assertThat(store.read(Table.ITEMS).where("year = 'unknown'").count()).isEqualTo(12);
    assertThat(store.read(Table.ITEMS).where("size(genres) = 0").count()).isEqualTo(34);
  }

  @Test
  void readsTheMl100kLayout() throws IOException {
    Path folder = Files.createDirectories(scratch.resolve("ml-100k"));
    Files.writeString(
        folder.resolve("u.data"),
        "1\t10\t4\t881250949\n2\t10\t3\t891717742\n1\t20\t5\t878887116\n1\t30\t2\t878887117\n");
    Files.write(
        folder.resolve("u.item"),
        List.of(
            item100k("10", "Café Society (1995)", "01-Jan-1995", 5, 8),
            item100k("20", "unknown", "", 0),
            item100k("30", "Odd \"Quote\" Title", "12-Mar-1997", 15)),
        StandardCharsets.ISO_8859_1);

    RawLog raw = MovieLensSource.read(spark, folder.toString());
    ValidatedLog log =
        IngestValidation.validate(raw, DateRange.ALL, IngestBounds.DEFAULTS, IngestBounds.NOW);

    // u.data: three users' ratings, all valid; ts 881250949 = 1997-12-04 15:55:49 UTC.
    assertThat(rows(log.events(), "user_id", "item_id", "CAST(ts AS STRING)", "engagement", "dt"))
        .containsExactly(
            "1|10|1997-12-04 15:55:49|4.0|1997-12-04",
            "1|20|1997-11-07 07:18:36|5.0|1997-11-07",
            "1|30|1997-11-07 07:18:37|2.0|1997-11-07",
            "2|10|1998-04-04 19:22:22|3.0|1998-04-04");
    // Flags 5 and 8 are Comedy and Drama; the "unknown" genre flag is dropped; item 30's title has
    // no year, its release date does.
    assertThat(rows(log.items(), "item_id", "array_join(genres, ',')", "year"))
        .containsExactly("10|Comedy,Drama|1995", "20||unknown", "30|Sci-Fi|1997");
    assertThat(log.rejectedEvents().count() + log.rejectedItems().count()).isZero();
  }

  @Test
  void readsTheMl1mLayout() throws IOException {
    Path folder = Files.createDirectories(scratch.resolve("ml-1m"));
    Files.writeString(
        folder.resolve("ratings.dat"),
        "1::1193::5::978300760\n2::1193::4::978298413\n1::661::3::978302109\n1::9999::3::978302110\n");
    Files.write(
        folder.resolve("movies.dat"),
        List.of(
            "1193::One Flew Over the Cuckoo's Nest (1975)::Drama",
            "661::James and the Giant Peach (1996)::Animation|Children's|Musical",
            "2::Jumanji (1995)::Adventure|Children's|Fantasy",
            "5::Amélie, \"Le fabuleux\"::Comedy|Romance"),
        StandardCharsets.ISO_8859_1);

    ValidatedLog log =
        IngestValidation.validate(
            MovieLensSource.read(spark, folder.toString()),
            DateRange.ALL,
            IngestBounds.DEFAULTS,
            IngestBounds.NOW);

    // 978300760 = 2000-12-31 22:12:40 UTC. Movie 9999 is not in movies.dat: quarantined.
    assertThat(rows(log.events(), "user_id", "item_id", "CAST(ts AS STRING)", "engagement"))
        .containsExactly(
            "1|1193|2000-12-31 22:12:40|5.0",
            "1|661|2000-12-31 22:35:09|3.0",
            "2|1193|2000-12-31 21:33:33|4.0");
    assertThat(rows(log.rejectedEvents(), "reason", "item_id"))
        .containsExactly(IngestValidation.UNKNOWN_ITEM + "|9999");
    assertThat(rows(log.items(), "item_id", "array_join(genres, ',')", "year"))
        .containsExactly(
            "1193|Drama|1975",
            "2|Adventure,Children's,Fantasy|1995",
            "5|Comedy,Romance|unknown",
            "661|Animation,Children's,Musical|1996");
  }

  @Test
  void aMissingFolderSaysWhereToGetMovieLens() {
    assertThatThrownBy(() -> MovieLensSource.read(spark, scratch.resolve("nowhere").toString()))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("MovieLens folder not found at " + scratch.resolve("nowhere"))
        .hasMessageContaining("https://grouplens.org/datasets/movielens/")
        .hasMessageContaining("two-tower.source.movielens-path");
  }

  @Test
  void aFolderWithoutMovieLensFilesListsTheExpectedOnes() throws IOException {
    Path folder = Files.createDirectories(scratch.resolve("empty"));
    Files.writeString(folder.resolve("ratings.csv"), "userId,movieId,rating,timestamp\n");
    assertThatThrownBy(() -> MovieLensSource.read(spark, folder.toString()))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("No MovieLens files in " + folder)
        .hasMessageContaining(
            "ratings.csv + movies.csv, u.data + u.item, ratings.dat + movies.dat");
  }

  private static String item100k(String id, String title, String release, int... genres) {
    List<String> fields = new ArrayList<>(List.of(id, title, release, "", "http://imdb/" + id));
    fields.addAll(Collections.nCopies(MovieLensSource.ML_100K_GENRES.size(), "0"));
    for (int g : genres) {
      fields.set(5 + g, "1");
    }
    return String.join("|", fields);
  }

  private static List<String> genres(Row item) {
    return item.getList(item.fieldIndex("genres"));
  }

  private static String year(Row item) {
    return item.getAs("year");
  }

  /** The rows as "a|b|c" strings, sorted. */
  static List<String> rows(Dataset<Row> rows, String... columns) {
    return rows.selectExpr(columns).collectAsList().stream()
        .map(
            r -> {
              List<String> values = new ArrayList<>();
              for (int k = 0; k < r.length(); k++) {
                values.add(r.isNullAt(k) ? "" : String.valueOf(r.get(k)));
              }
              return String.join("|", values);
            })
        .sorted()
        .toList();
  }
}
