package io.twotower.jobs;

import io.twotower.jobs.storage.DataLocation;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The one place the jobs word their errors (as Delta's {@code DeltaErrors} does for Delta): one
 * named method per problem, each saying what went wrong, why, and how to fix it. A job throws
 * {@code JobErrors.missingTable(...)}, never a message of its own, so a message is written once and
 * reads the same wherever the problem shows up.
 *
 * <p>Methods returning {@link JobException} are expected errors: bad input, config or data that the
 * user can fix; the CLI prints them as one line. The few returning {@link IllegalArgumentException}
 * or {@link IllegalStateException} are broken internal contracts (a bug in the caller), which the
 * CLI shows with their stack trace.
 */
public final class JobErrors {

  private JobErrors() {}

  // ---- configuration and command line

  /** A config key whose value is not allowed. */
  public static JobException badConfig(String key, Object value, String allowed) {
    return error(
        "Invalid config value " + key + " = " + value,
        "allowed: " + allowed,
        "set " + key + " in your .conf file or with --set " + key + "=<value>");
  }

  /**
   * A config key that reference.conf does not declare (a typo would otherwise be ignored and the
   * job run with the default).
   *
   * @param origin where it was set, e.g. "--set" or a file and line
   * @param alsoUnknown the other undeclared keys, reported together so one run finds them all
   */
  public static JobException unknownConfigKey(
      String key, String nearest, String origin, List<String> alsoUnknown) {
    return error(
        "Unknown config key " + key + "; did you mean " + nearest + "?",
        "reference.conf declares no such key; it was set in "
            + origin
            + (alsoUnknown.isEmpty() ? "" : "; also unknown: " + String.join(", ", alsoUnknown)),
        "correct or remove it; reference.conf lists every key with its default");
  }

  /** A required config key with no value anywhere. */
  public static JobException missingConfigKey(String key) {
    return error(
        "Missing config key " + key,
        "no default in reference.conf and none in your file",
        "add " + key + " to your .conf file");
  }

  /** A config key whose value has the wrong type (e.g. a word where a number belongs). */
  public static JobException wrongConfigType(String key, Exception parserError) {
    return wrap(
        "Config key " + key + " has the wrong type",
        parserError.getMessage(),
        "see reference.conf for the expected type",
        parserError);
  }

  /** {@code --config} names a file that does not exist. */
  public static JobException missingConfigFile(Path file) {
    return error(
        "Config file not found at " + file.toAbsolutePath(),
        "--config names a file that does not exist; relative paths start from "
            + Path.of("").toAbsolutePath(),
        "pass an existing file to --config");
  }

  /** The config file is not valid HOCON. */
  public static JobException unparsableConfigFile(Path file, Exception parserError) {
    return wrap(
        "Cannot parse config file " + file,
        parserError.getMessage(),
        "fix the HOCON syntax at the line named above",
        parserError);
  }

  /** The layered config (file, environment, --set) cannot be resolved. */
  public static JobException invalidConfiguration(Exception parserError) {
    return wrap(
        "Invalid configuration",
        parserError.getMessage(),
        "check the key named above",
        parserError);
  }

  /**
   * spark.authenticate is on for a standalone master, which (unlike local, YARN or Kubernetes)
   * cannot make up a secret: the driver must share the Master's.
   */
  public static JobException missingAuthSecret(String master, String variable) {
    return error(
        "Spark authentication is on (spark.authenticate=true) but no secret is set for " + master,
        "a standalone cluster accepts only drivers that share its secret, and neither "
            + variable
            + " nor spark.authenticate.secret is set",
        "export "
            + variable
            + " with the cluster's secret (the one its Master and Workers were started with)"
            + " in the environment of spark-submit");
  }

  /**
   * Spark stopped the session under the driver (e.g. the master refused or never answered it), so
   * what failed next says only "stopped SparkContext" or names a deleted block file.
   */
  public static JobException sessionStopped(String master, Exception error) {
    return wrap(
        "Spark stopped the session on " + master,
        "the master refused or never answered this driver (Spark's log above ends with \"All"
            + " masters are unresponsive! Giving up.\"): another SPARK_AUTH_SECRET than the"
            + " cluster's, spark.authenticate off while the cluster has it on, or a wrong or"
            + " unreachable master URL",
        "export the cluster's SPARK_AUTH_SECRET, submit with --conf spark.authenticate=true, and"
            + " check the master URL",
        error);
  }

  /**
   * A process ran into a memory limit set by configuration: ND4J's (JavaCPP's {@code maxbytes} or
   * {@code maxphysicalbytes}, which fail an allocation instead of letting the kernel kill the
   * process) or the Java heap's ({@code -Xmx}).
   */
  public static JobException memoryLimit(OutOfMemoryError error) {
    boolean nd4j = !String.valueOf(error.getMessage()).contains("Java heap space");
    return wrap(
        nd4j
            ? "ND4J reached the memory limit the configuration sets"
            : "The Java heap (-Xmx) is full",
        JobException.oneLine(String.valueOf(error.getMessage())),
        "give the process more memory, heap and limits together (README, Memory): with"
            + " spark-jobs/bin/two-tower e.g. JAVA_OPTS=\"-Xmx6g"
            + " -Dorg.bytedeco.javacpp.maxbytes=3g -Dorg.bytedeco.javacpp.maxphysicalbytes=10g\""
            + " (maxphysicalbytes counts the heap too); under spark-submit the driver's or"
            + " executors' extraJavaOptions with spark.*.memory and spark.*.memoryOverhead",
        error);
  }

  /** {@code --from} after {@code --to}. */
  public static JobException emptyDateRange(Object from, Object to) {
    return error(
        "Empty date range " + from + " .. " + to,
        "--from is after --to",
        "pass --from <= --to, or a single --date");
  }

  /** compare's {@code --seeds} below one. */
  public static JobException invalidSeeds(int seeds) {
    return error(
        "--seeds " + seeds + " is not a number of trainings",
        "each combination trains at least once",
        "pass --seeds 1 or more");
  }

  /** compare's {@code --vary key=a,,b}: one of the values is empty. */
  public static JobException emptyVaryValue(String key, String values) {
    return error(
        "--vary " + key + "=" + values + " has an empty value",
        "values are separated by commas",
        "list the values as --vary " + key + "=V1,V2");
  }

  /** compare's {@code --patience} below one. */
  public static JobException invalidPatience(int patience) {
    return error(
        "--patience " + patience + " is not a number of epochs",
        "a run stops after that many epochs without a better validation Recall",
        "pass --patience 1 or more");
  }

  /** compare's {@code --select-per} names a key that no {@code --vary} varies. */
  public static JobException selectPerNotVaried(String key, Collection<String> varied) {
    return error(
        "--select-per " + key + " is not one of the --vary keys " + varied,
        "selection is per value of a varied key",
        "pass --vary " + key + "=V1,V2 too, or one of " + varied);
  }

  // ---- tables and models

  /**
   * A Delta table a stage reads does not exist.
   *
   * @param dataDirSource where data-dir came from, e.g. that no config file was found and the
   *     default applies (a wrong data-dir, not a missing stage, is then the likely cause); empty
   *     when unknown
   */
  public static JobException missingTable(String table, String path, String dataDirSource) {
    return error(
        "Delta table '" + table + "' not found at " + path,
        "the stage that writes it has not run with this data-dir"
            + (dataDirSource.isEmpty() ? "" : "; " + dataDirSource),
        "run the stage that writes it first (e.g. `two-tower pipeline`), or check data-dir");
  }

  /**
   * Delta refused a commit because another run committed to the same table since this one read it
   * (its ConcurrentAppend/ConcurrentDelete.../ConcurrentWrite exceptions).
   */
  public static JobException concurrentWrite(
      String table, String path, String write, Exception deltaError) {
    String first = String.valueOf(deltaError.getMessage()).lines().findFirst().orElse("");
    return wrap(
        "Another run wrote Delta table '"
            + table
            + "' at "
            + path
            + " while this one did ("
            + write
            + "); this run's write was refused",
        "two runs for the same --date overlapped (or a writer that is not a stage of this project),"
            + " and Delta"
            + " refuses the commit that would silently undo the other's: "
            + deltaError.getClass().getSimpleName()
            + ": "
            + first,
        "nothing of this run was published (readers still see the last published set); let the"
            + " other run finish, then rerun this stage for the same --date (a rerun replaces what"
            + " it wrote). Do not start two runs of one stage for the same date",
        deltaError);
  }

  /** Runs for other dates committed this stage's tables in every one of its attempts. */
  public static JobException otherDatesKeptCommitting(
      String stage, DateRange dates, int attempts, Exception last) {
    return wrap(
        stage + " (" + dates + ") was refused " + attempts + " times by Delta",
        "runs of other dates kept committing the tables it rewrites whole; last: "
            + last.getMessage(),
        "nothing of this run was published; rerun it when fewer runs overlap (the Airflow DAG runs"
            + " one day at a time)",
        last);
  }

  /**
   * Rows about to replace part of an existing table do not have its columns: the table was written
   * by another version or by hand, and Delta would refuse with a long schema diff.
   */
  public static JobException tableSchemaMismatch(
      String table, String path, String existing, String written) {
    return error(
        "The existing Delta table '"
            + table
            + "' at "
            + path
            + " has other columns than this"
            + " stage writes",
        "the table has "
            + existing
            + "; this stage writes "
            + written
            + " (written by another version or by hand?)",
        "move the table away and rerun (without --date/--from/--to the stage rewrites it whole"
            + " with its own columns)");
  }

  /** A table (or rows about to be written to one) lacks or mistypes required columns. */
  public static JobException unexpectedSchema(String where, List<String> problems, String actual) {
    return error(
        "Unexpected schema in " + where + ": " + String.join("; ", problems),
        "the table was written by another version or by hand; found " + actual,
        "rerun the stage that writes it, or convert the columns named above");
  }

  /** No {@code models/LATEST}: nothing has been trained under this data-dir. */
  public static JobException noTrainedModel(DataLocation modelsRoot) {
    return error(
        "Trained model not found at " + modelsRoot,
        "there is no models/LATEST: `two-tower train` has not run with this data-dir",
        "run `two-tower train` (or the whole pipeline) first");
  }

  /** A model id that names no saved model. */
  public static JobException unknownModel(
      String modelId, DataLocation dir, DataLocation modelsRoot) {
    return error(
        "Model " + modelId + " not found at " + dir,
        "no model of that id was saved under this data-dir",
        "pick an id listed under " + modelsRoot);
  }

  /** A model folder without its completion marker: its save failed or is still running. */
  public static JobException incompleteModel(String modelId, DataLocation dir) {
    return error(
        "Model " + modelId + " at " + dir + " is incomplete (no _SUCCESS marker)",
        "its save failed or has not finished; a complete model gets the marker after all its files",
        "retrain; a model saved by a version without markers is complete: add an empty"
            + " _SUCCESS file to its folder");
  }

  /** A model id that cannot name a folder or a table row. */
  public static JobException unusableModelId(String modelId) {
    return error(
        "Unusable model id '" + modelId + "'",
        "ids name folders and table rows: letters, digits, '.', '_' and '-' only",
        "retrain, or point models/LATEST at a model folder with such a name");
  }

  /** Reading or writing a file of the model store failed. */
  public static JobException modelStoreFailure(
      String operation, DataLocation path, Exception error) {
    return wrap(
        "Cannot " + operation + " " + path,
        error.toString(),
        "check free space and permissions under data-dir (on HDFS or an object store also its"
            + " spark.hadoop.fs.* settings: endpoint, credentials)",
        error);
  }

  /** Copying the model to or from the executors' scratch space failed. */
  public static JobException modelShippingFailure(String operation, Exception error) {
    return wrap(
        "Cannot " + operation,
        error.toString(),
        "check free space and permissions of the temporary folder (java.io.tmpdir)",
        error);
  }

  // ---- ingest

  /** A path a source reads cannot be looked up at all (as opposed to: it does not exist). */
  public static JobException pathLookupFailure(String path, Exception error) {
    return wrap(
        "Cannot look up " + path,
        error.toString(),
        "check the path's file system and permissions",
        error);
  }

  /**
   * More of the source's rows failed validation than {@code ingest.max-bad-fraction} allows: the
   * source is broken, and writing its few good rows would pass a broken day on as a quiet one.
   */
  public static JobException tooManyBadRows(
      String counts, double maxBadFraction, String quarantinePath, String... sources) {
    return error(
        "Ingest quarantined too many rows: "
            + counts
            + ", more than ingest.max-bad-fraction = "
            + maxBadFraction,
        "events, items and users were not written and keep their previous version; the"
            + " quarantined rows, each with its reason, source file and row, are in "
            + quarantinePath
            + " (stage = 'ingest', source = '"
            + String.join("' or '", sources)
            + "')",
        "fix the source and rerun, or, if these rows are expected, raise the bound with --set"
            + " ingest.max-bad-fraction=<share in [0, 1]>");
  }

  /** A source's item column is neither a string nor an array of strings. */
  public static JobException nonCategoricalSourceItemColumn(
      String column, String source, String type) {
    return error(
        "Item column " + column + " from " + source + " is " + type,
        "item features are categorical: string (one value) or array<string> (several)",
        "convert or drop the column in the source");
  }

  /** A source's timestamp column has a type that cannot be read as a time. */
  public static JobException unreadableTimestamp(String source, String type) {
    return error(
        "Event column timestamp from " + source + " is " + type,
        "timestamps are epoch seconds (a number), ISO-8601 strings or timestamps",
        "convert the column in the source");
  }

  /** A source's engagement column is not a number. */
  public static JobException unreadableEngagement(String source, String type) {
    return error(
        "Event column engagement from " + source + " is " + type,
        "engagement is a number (e.g. a rating or a watch fraction)",
        "convert the column in the source, or drop it (every event then counts 1.0)");
  }

  /** A source's events or items lack required columns. */
  public static JobException sourceLacksColumns(
      String what, String source, List<String> missing, Collection<String> present) {
    return error(
        "The " + what + " of source " + source + " lack column(s) " + String.join(", ", missing),
        "found columns: " + String.join(", ", present),
        "rename the source's columns (see io.twotower.jobs.ingest.GenericSource)");
  }

  /** source.kind = generic without a path for its events or items. */
  public static JobException genericPathNotSet(String what, String key, String format) {
    return error(
        "No generic " + what + " path set",
        "source.kind = generic reads events and items from files, and " + key + " is empty",
        "set "
            + key
            + " to a "
            + format
            + " file, folder or glob (in your .conf or with --set "
            + key.substring("two-tower.".length())
            + "=<path>)");
  }

  /** The generic source's path matches nothing. */
  public static JobException genericPathNotFound(
      String what, String absolute, String key, String path, String workingDir) {
    return error(
        "Generic " + what + " not found at " + absolute,
        "no file or folder matches " + key + " = " + path,
        "check the path (relative paths start from " + workingDir + ")");
  }

  /** The generic source's path holds no data: no files, or only empty ones. */
  public static JobException genericFilesEmpty(
      String what, String path, String key, List<String> emptyFiles) {
    int shown = Math.min(emptyFiles.size(), 5);
    String listed =
        emptyFiles.isEmpty()
            ? "it holds no data files"
            : "its "
                + emptyFiles.size()
                + " file(s) are all empty (0 bytes): "
                + String.join(", ", emptyFiles.subList(0, shown))
                + (shown < emptyFiles.size() ? ", ..." : "");
    return error(
        "The generic " + what + " input files are empty at " + path,
        key + " matches " + path + ", but " + listed,
        "check the export that writes these files, or point " + key + " at the right ones");
  }

  /** multi-valued-columns names columns the generic items do not have. */
  public static JobException multiValuedColumnsNotInItems(
      List<String> missing, String itemsPath, List<String> present) {
    return error(
        "Multi-valued item column(s) " + String.join(", ", missing) + " not in the items",
        "two-tower.source.generic.multi-valued-columns lists them; the items at "
            + itemsPath
            + " have "
            + String.join(", ", present),
        "fix the list or the column names");
  }

  /** The generic source's files lack required columns. */
  public static JobException genericFilesLackColumns(
      String what, String path, List<String> missing, Collection<String> present) {
    return error(
        "Generic " + what + " at " + path + " lack column(s) " + String.join(", ", missing),
        "found columns: " + String.join(", ", present),
        "rename the columns (layout: Javadoc of io.twotower.jobs.ingest.GenericSource)");
  }

  /** source.movielens-path names no folder. */
  public static JobException movieLensFolderNotFound(String folder) {
    return error(
        "MovieLens folder not found at " + folder,
        "MovieLens is not shipped with this project (GroupLens' license forbids redistribution)",
        "download a MovieLens zip (e.g. ml-latest-small.zip) from"
            + " https://grouplens.org/datasets/movielens/, unzip it, and set"
            + " two-tower.source.movielens-path to that folder (in your .conf or with --set"
            + " source.movielens-path=<folder>)");
  }

  /** source.movielens-path names a folder without MovieLens' files. */
  public static JobException noMovieLensFiles(String folder, String expected) {
    return error(
        "No MovieLens files in " + folder,
        "expected one of: " + expected + " (ml-latest/ml-25m, ml-100k, ml-1m)",
        "point two-tower.source.movielens-path at the unzipped MovieLens folder itself");
  }

  // ---- features

  /** The items table holds a column that is not categorical. */
  public static JobException nonCategoricalItemColumn(String column, String type) {
    return error(
        "items column " + column + " has type " + type,
        "item features must be categorical: STRING (single-valued) or ARRAY<STRING> (multi-valued)",
        "cast it to a string (bucketise numbers) or drop it at ingest");
  }

  /** A dated features run configured with other user fields than the saved vocabularies. */
  public static JobException userFieldsDifferFromVocabulary(
      List<String> configured, List<String> inVocabulary) {
    return error(
        "features.user-fields = "
            + configured
            + " but the vocabularies hold the user fields "
            + inVocabulary,
        "a dated run (--date) only adds values to the vocabularies' fields, so that earlier days'"
            + " examples stay encoded as they are",
        "run `two-tower features` without --date to rebuild them, or set features.user-fields"
            + " = "
            + inVocabulary);
  }

  /** features.oov-buckets differs from the number of buckets the vocabularies table holds. */
  public static JobException oovBucketsDifferFromVocabulary(
      String field, int configured, int inVocabulary) {
    return error(
        "features.oov-buckets = "
            + configured
            + " but the vocabularies give field "
            + field
            + " "
            + inVocabulary
            + " buckets",
        "features runs only append to the vocabularies, so that saved models keep their indices;"
            + " other buckets would move every out-of-vocabulary value",
        "set features.oov-buckets = "
            + inVocabulary
            + ", or delete the vocabularies table (every index then changes: train from scratch"
            + " with train.incremental = false)");
  }

  /** User fields configured for a source that writes no users table. */
  public static JobException noUsersTable(List<String> fields, String path) {
    return error(
        "features.user-fields = " + fields + " but there is no users table at " + path,
        "only sources with user attributes write it (synthetic does; MovieLens has none)",
        "set features.user-fields = [] for this source, or ingest one with user attributes");
  }

  /** A configured user field that is not a STRING column of the users table. */
  public static JobException userFieldNotInUsers(
      String field, String path, List<String> stringColumns) {
    return error(
        "features.user-fields names '" + field + "', which is not a STRING column of users",
        "the users table at " + path + " has the STRING columns " + stringColumns,
        "set features.user-fields to some of " + stringColumns + " (or [] for none)");
  }

  /** The users table has several rows for some users. */
  public static JobException duplicateUsers(String path, long duplicated) {
    return error(
        "The users table at " + path + " has several rows for " + duplicated + " user_id values",
        "a user field takes one value per user",
        "keep one row per user_id in the source's users, then rerun ingest");
  }

  // ---- sampling

  /** No training rows in the days the sampling stage estimates from. */
  public static JobException noTrainingExamplesToSample(Object days) {
    return error(
        "No training examples to estimate sampling probabilities from",
        "training_examples has no 'train' rows in " + days,
        "run `two-tower features` first, or widen --from/--to");
  }

  /** No training rows in the window train was asked to fit. */
  public static JobException noTrainingExamples(Object dates) {
    return error(
        "No training examples to train on (" + dates + ")",
        "training_examples has no 'train' rows in that range (a day without events, or one whose"
            + " features have not been built); training on nothing would save an unchanged model"
            + " as if it had learned from the day",
        "check that ingest and features ran for those days, or widen --from/--to");
  }

  /** A day-by-day training run whose days (and the days before) have no training examples. */
  public static JobException noTrainingExamplesToTrain(Object days) {
    return error(
        "No training examples to train on up to the end of " + days,
        "training_examples has no 'train' rows on or before those days",
        "run `two-tower features` for those days first, or pick other days");
  }

  /** A training example without a day or an item index. */
  public static JobException incompleteTrainingExample(String missingColumn, Object row) {
    return error(
        "A training example without " + missingColumn + ": " + row,
        "training_examples must have a day and an item index on every row",
        "rerun `two-tower features`, which writes them");
  }

  /** A saved streaming state was made with other estimator settings. */
  public static JobException streamingStateSettingsDiffer(
      DataLocation file, Object saved, Object configured) {
    return error(
        "The saved streaming state " + file + " was made with other settings",
        "saved " + saved + ", configured " + configured,
        "set two-tower.sampling.streaming back to the saved values, or move "
            + file.parent()
            + " away to start a fresh estimate");
  }

  /** The streaming state folder cannot be listed. */
  public static JobException streamingStateListFailure(DataLocation folder, Exception error) {
    return wrap(
        "Cannot list the streaming estimator's state in " + folder,
        error.toString(),
        "check the folder's permissions",
        error);
  }

  /** The streaming state cannot be written. */
  public static JobException streamingStateSaveFailure(DataLocation target, Exception error) {
    return wrap(
        "Cannot save the streaming estimator's state to " + target,
        error.toString(),
        "check free space and permissions under data-dir (on HDFS or an object store also its"
            + " spark.hadoop.fs.* settings: endpoint, credentials)",
        error);
  }

  /** The streaming state cannot be read back. */
  public static JobException streamingStateReadFailure(DataLocation file, Exception error) {
    return wrap(
        "Cannot read the streaming estimator's state " + file,
        error.toString(),
        "delete the file (the run then resumes from an earlier day or starts fresh)",
        error);
  }

  // ---- evaluate and export

  /** The same item twice in a retrieval corpus. */
  public static JobException duplicateCorpusItem(String itemId) {
    return error(
        "Item " + itemId + " appears twice in the retrieval corpus",
        "item_features must hold one row per item_id",
        "rerun the features stage, which writes item_features");
  }

  /** No held-out rows in the evaluated days. */
  public static JobException noHeldOutExamples(Object dates) {
    return error(
        "No held-out examples to evaluate (" + dates + ")",
        "training_examples has no rows with split = 'test' in that range",
        "rerun `two-tower features` (features.split = leave-last-out or last-days), or widen"
            + " --from/--to");
  }

  /** evaluate.protocol = next-day without a last training day. */
  public static JobException nextDayNeedsLastTrainingDay() {
    return error(
        "The next-day protocol needs the last training day D (it ranks day D + 1's events)",
        "neither --date nor --to was given",
        "run `two-tower evaluate --date D` (or --to D) with the day the model trained up to");
  }

  /** The model trained on the next-day test day or later: it would be scored on what it fit. */
  public static JobException modelTrainedOnTestDay(String modelId, Object trainedOn, Object day) {
    return error(
        "Model " + modelId + " trained on " + trainedOn + ", which includes the test day " + day,
        "the next-day protocol tests on the day after the model's last training day",
        "train with --date (or --to) the day before "
            + day
            + " first, or evaluate --date the model's last training day");
  }

  /** No examples on the next-day protocol's test day. */
  public static JobException noNextDayExamples(Object day) {
    return error(
        "No examples on " + day + " to evaluate the next-day protocol on",
        "training_examples has no rows with dt = " + day,
        "run `two-tower features` over that day first, or evaluate --date an earlier day");
  }

  /** The queries have no user field column, but the model's query tower needs user fields. */
  public static JobException queriesWithoutUserFields(String column, List<String> userFields) {
    return error(
        "The retrieval queries have no "
            + column
            + " column, but the model's query tower takes the user fields "
            + userFields,
        "training_examples was written without features.user-fields, or before it was set",
        "rerun `two-tower features` with features.user-fields = "
            + userFields
            + ", or use a model trained without user fields");
  }

  /** A query lacks the value of one of the model's user fields. */
  public static JobException queryLacksUserField(
      String field, Collection<?> present, List<String> userFields) {
    return error(
        "A query has no value of the user field " + field,
        "its user_field_idx holds only " + present,
        "rerun `two-tower features` with features.user-fields = " + userFields);
  }

  // ---- broken internal contracts (bugs in the caller, shown with their stack trace)

  /** A top-K search for fewer than one item. */
  public static IllegalArgumentException invalidTopK(int k) {
    return new IllegalArgumentException("k must be >= 1, was " + k);
  }

  /** Per-query arguments of different lengths. */
  public static IllegalArgumentException mismatchedExclusions(int queries, int exclusionLists) {
    return new IllegalArgumentException(
        queries + " queries but " + exclusionLists + " exclusion lists");
  }

  /** A query vector whose dimension differs from the corpus'. */
  public static IllegalArgumentException queryDimensionMismatch(int query, int length, int dim) {
    return new IllegalArgumentException(
        "query " + query + " has " + length + " values, the corpus " + dim);
  }

  /** A history window of no items. */
  public static IllegalArgumentException invalidHistoryLength(int n) {
    return new IllegalArgumentException("history length must be > 0, got " + n);
  }

  /** Events handed to a history window out of time order. */
  public static IllegalArgumentException eventsNotSortedByTime() {
    return new IllegalArgumentException("events must be sorted by time");
  }

  /** A field the vocabulary was not built for. */
  public static IllegalStateException noVocabulary(String field) {
    return new IllegalStateException("No vocabulary for field " + field);
  }

  private static JobException error(String problem, String cause, String fix) {
    return fromCaller(new JobException(problem, cause, fix, null));
  }

  private static JobException wrap(String problem, String cause, String fix, Throwable error) {
    return fromCaller(new JobException(problem, cause, fix, error));
  }

  // The trace (with --verbose) starts where the job threw, not inside this factory.
  private static JobException fromCaller(JobException error) {
    StackTraceElement[] trace = error.getStackTrace();
    int first = 0;
    while (first < trace.length - 1
        && trace[first].getClassName().equals(JobErrors.class.getName())) {
      first++;
    }
    error.setStackTrace(Arrays.copyOfRange(trace, first, trace.length));
    return error;
  }
}
