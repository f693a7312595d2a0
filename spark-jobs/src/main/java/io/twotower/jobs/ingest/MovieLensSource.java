package io.twotower.jobs.ingest;

import static io.twotower.jobs.tables.Table.Columns.ENGAGEMENT;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_compact;
import static org.apache.spark.sql.functions.array_remove;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.nullif;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.when;

import io.twotower.jobs.JobErrors;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * MovieLens ratings as events, movies as items; the layout is recognised from the files present:
 *
 * <ul>
 *   <li>ml-latest-small, ml-latest, ml-25m, ml-32m: {@code ratings.csv} (userId,movieId,rating,
 *       timestamp) and {@code movies.csv} (movieId,title,genres; quoted titles may hold commas);
 *   <li>ml-100k: {@code u.data} (user, item, rating, timestamp; tab-separated) and {@code u.item}
 *       ('|'-separated, latin-1, 19 genre flags);
 *   <li>ml-1m: {@code ratings.dat} and {@code movies.dat} ('::'-separated, latin-1, genres
 *       '|'-separated).
 * </ul>
 *
 * <p>Events: user_id and item_id are the ids as strings, engagement is the rating, ts the epoch
 * seconds. Items: {@code genres} ARRAY&lt;STRING&gt; (without "(no genres listed)" / "unknown") and
 * {@code year} STRING from the title's "(1995)", {@value #UNKNOWN_YEAR} when absent. Titles are
 * free text and are not kept.
 *
 * <p>MovieLens is not part of this project: its license does not allow redistribution. Download it
 * from GroupLens and point {@code source.movielens-path} at the unzipped folder.
 */
public final class MovieLensSource {

  public static final String UNKNOWN_YEAR = "unknown";

  /** The file layouts, by the pair of files that identifies each. */
  public enum Layout {
    CSV("ratings.csv", "movies.csv"),
    ML_100K("u.data", "u.item"),
    ML_1M("ratings.dat", "movies.dat");

    final String ratings;
    final String movies;

    Layout(String ratings, String movies) {
      this.ratings = ratings;
      this.movies = movies;
    }
  }

  /** ml-100k's genre flags, in the order of its u.genre file. */
  static final List<String> ML_100K_GENRES =
      List.of(
          "unknown",
          "Action",
          "Adventure",
          "Animation",
          "Children's",
          "Comedy",
          "Crime",
          "Documentary",
          "Drama",
          "Fantasy",
          "Film-Noir",
          "Horror",
          "Musical",
          "Mystery",
          "Romance",
          "Sci-Fi",
          "Thriller",
          "War",
          "Western");

  private static final String LATIN_1 = "ISO-8859-1";
  // "(1995)" at the end of a title; a series' "(2006–2007)" gives its first year.
  private static final String TITLE_YEAR = "\\((\\d{4})(?:[-\u2013]\\d{4})?\\)\\s*$";

  private MovieLensSource() {}

  public static RawLog read(SparkSession spark, String path) {
    String folder = SourceFiles.absolute(path);
    Layout layout = detect(spark, folder);
    String ratings = folder + "/" + layout.ratings;
    String movies = folder + "/" + layout.movies;
    return switch (layout) {
      case CSV -> new RawLog("movielens", csvRatings(spark, ratings), csvMovies(spark, movies));
      case ML_100K ->
          new RawLog("movielens", ml100kRatings(spark, ratings), ml100kMovies(spark, movies));
      case ML_1M -> new RawLog("movielens", ml1mRatings(spark, ratings), ml1mMovies(spark, movies));
    };
  }

  /** The layout of the files in {@code folder}; fails saying what was expected. */
  public static Layout detect(SparkSession spark, String folder) {
    if (!SourceFiles.exists(spark, folder)) {
      throw JobErrors.movieLensFolderNotFound(folder);
    }
    for (Layout layout : Layout.values()) {
      if (SourceFiles.exists(spark, folder + "/" + layout.ratings)
          && SourceFiles.exists(spark, folder + "/" + layout.movies)) {
        return layout;
      }
    }
    String expected =
        List.of(Layout.values()).stream()
            .map(l -> l.ratings + " + " + l.movies)
            .collect(Collectors.joining(", "));
    throw JobErrors.noMovieLensFiles(folder, expected);
  }

  private static Dataset<Row> csvRatings(SparkSession spark, String file) {
    Dataset<Row> rows =
        spark
            .read()
            .schema("userId STRING, movieId STRING, rating STRING, timestamp STRING")
            .option("header", "true")
            .csv(file);
    return events(rows, "userId", "movieId", "rating", "timestamp", Layout.CSV.ratings);
  }

  private static Dataset<Row> csvMovies(SparkSession spark, String file) {
    Dataset<Row> rows =
        spark
            .read()
            .schema("movieId STRING, title STRING, genres STRING")
            .option("header", "true")
            .option("quote", "\"")
            .option("escape", "\"")
            .csv(file);
    return items(rows, "movieId", pipeSeparated(col("genres")), titleYear(), Layout.CSV.movies);
  }

  private static Dataset<Row> ml100kRatings(SparkSession spark, String file) {
    Dataset<Row> rows =
        unquoted(spark, "\t", false)
            .schema("user STRING, item STRING, rating STRING, timestamp STRING")
            .csv(file);
    return events(rows, "user", "item", "rating", "timestamp", Layout.ML_100K.ratings);
  }

  private static Dataset<Row> ml100kMovies(SparkSession spark, String file) {
    List<String> columns =
        new ArrayList<>(List.of("movieId", "title", "release", "video_release", "imdb_url"));
    IntStream.range(0, ML_100K_GENRES.size()).forEach(g -> columns.add("genre_" + g));
    Dataset<Row> rows =
        unquoted(spark, "|", true)
            .schema(columns.stream().map(c -> c + " STRING").collect(Collectors.joining(", ")))
            .csv(file);
    Column[] flagged =
        IntStream.range(0, ML_100K_GENRES.size())
            .mapToObj(g -> when(col("genre_" + g).equalTo("1"), lit(ML_100K_GENRES.get(g))))
            .toArray(Column[]::new);
    Column genres = array_remove(array_compact(array(flagged)), "unknown");
    // Titles lack the year now and then; the release date "01-Jan-1995" still has it.
    Column year =
        coalesce(
            nullif(regexp_extract(col("title"), TITLE_YEAR, 1), lit("")),
            nullif(regexp_extract(col("release"), "(\\d{4})\\s*$", 1), lit("")),
            lit(UNKNOWN_YEAR));
    return items(rows, "movieId", genres, year, Layout.ML_100K.movies);
  }

  private static Dataset<Row> ml1mRatings(SparkSession spark, String file) {
    Dataset<Row> rows =
        unquoted(spark, "::", true)
            .schema("user STRING, item STRING, rating STRING, timestamp STRING")
            .csv(file);
    return events(rows, "user", "item", "rating", "timestamp", Layout.ML_1M.ratings);
  }

  private static Dataset<Row> ml1mMovies(SparkSession spark, String file) {
    Dataset<Row> rows =
        unquoted(spark, "::", true).schema("movieId STRING, title STRING, genres STRING").csv(file);
    return items(rows, "movieId", pipeSeparated(col("genres")), titleYear(), Layout.ML_1M.movies);
  }

  /** A headerless reader that treats quote characters as text (titles hold stray quotes). */
  private static DataFrameReader unquoted(SparkSession spark, String separator, boolean latin1) {
    DataFrameReader reader =
        spark.read().option("header", "false").option("sep", separator).option("quote", "");
    return latin1 ? reader.option("encoding", LATIN_1) : reader;
  }

  private static Dataset<Row> events(
      Dataset<Row> rows, String user, String item, String rating, String timestamp, String file) {
    return rows.select(
        col(user).as(USER_ID),
        col(item).as(ITEM_ID),
        col(timestamp).as("timestamp"),
        col(rating).as(ENGAGEMENT),
        lit(file).as(RawLog.SOURCE_FILE),
        monotonically_increasing_id().as(RawLog.SOURCE_ORDER));
  }

  private static Dataset<Row> items(
      Dataset<Row> rows, String id, Column genres, Column year, String file) {
    return rows.select(
        col(id).as(ITEM_ID),
        genres.as("genres"),
        year.as("year"),
        lit(file).as(RawLog.SOURCE_FILE),
        monotonically_increasing_id().as(RawLog.SOURCE_ORDER));
  }

  private static Column pipeSeparated(Column genres) {
    Column values =
        when(genres.isNull(), array().cast("array<string>")).otherwise(split(genres, "\\|"));
    return array_remove(array_remove(values, "(no genres listed)"), "");
  }

  private static Column titleYear() {
    return coalesce(
        nullif(regexp_extract(col("title"), TITLE_YEAR, 1), lit("")), lit(UNKNOWN_YEAR));
  }
}
