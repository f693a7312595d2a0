package io.twotower.jobs.spark;

import io.twotower.jobs.JobErrors;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.config.SparkConfig;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.towers.ComputeBackend;
import io.twotower.towers.Nd4jKryoRegistrator;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the one SparkSession a job runs in: Delta enabled, Kryo with ND4J's registrator. */
public final class SparkSessions {

  private static final Logger LOG = LoggerFactory.getLogger(SparkSessions.class);

  /** The environment variable a driver takes Spark authentication's shared secret from. */
  public static final String AUTH_SECRET_VARIABLE = "SPARK_AUTH_SECRET";

  private static final String AUTHENTICATE = "spark.authenticate";
  private static final String AUTH_SECRET = "spark.authenticate.secret";

  private SparkSessions() {}

  /**
   * A session for {@code config}. Under spark-submit the submitted master and settings win; the
   * config's master is only used when none was given (plain {@code java -jar} or tests). Every job
   * starts here, so this is also where the driver's ND4J backend and devices are logged (-Pcuda
   * builds swap the backend; executors load the same one from the same jar).
   */
  public static SparkSession create(SparkConfig config) {
    LOG.info(ComputeBackend.describe());
    SparkConf submitted = new SparkConf();
    SparkSession.Builder builder = SparkSession.builder().appName(config.appName());
    if (!submitted.contains("spark.master")) {
      builder.master(config.master());
    }
    config
        .conf()
        .forEach(
            (key, value) -> {
              if (!submitted.contains(key)) {
                builder.config(key, value);
              }
            });
    SparkConf effective = submitted.clone();
    config.conf().forEach(effective::setIfMissing);
    effective.setIfMissing("spark.master", config.master());
    authSecretFromEnvironment(effective, System.getenv(AUTH_SECRET_VARIABLE))
        .ifPresent(secret -> builder.config(AUTH_SECRET, secret));
    try {
      return withRequiredSettings(builder).getOrCreate();
    } catch (IllegalStateException e) {
      // A standalone master that refuses the driver (another secret, or none) or never answers:
      // Spark gives up registering after three tries, stops the context it was starting, and the
      // session then fails with this message alone.
      if (String.valueOf(e.getMessage()).contains("stopped SparkContext")) {
        throw JobErrors.sessionStopped(effective.get("spark.master"), e);
      }
      throw e;
    }
  }

  /**
   * The secret of Spark authentication, from the environment, when the driver needs one: with
   * {@code spark.authenticate} on and no {@code spark.authenticate.secret} set, a driver of a
   * standalone master refuses to start. In the environment, the secret is readable by its user
   * only; on the spark-submit line ({@code --conf spark.authenticate.secret=...}) every user of the
   * machine would see it in the process list. Empty when authentication is off, a secret is set, or
   * the master makes one up itself (local, YARN, Kubernetes) and none is exported.
   *
   * @param conf the driver's settings: submitted ones, then the config's, then its master
   * @param exported the value of {@link #AUTH_SECRET_VARIABLE}, or null
   */
  static Optional<String> authSecretFromEnvironment(SparkConf conf, String exported) {
    if (!conf.getBoolean(AUTHENTICATE, false) || conf.contains(AUTH_SECRET)) {
      return Optional.empty();
    }
    if (exported != null && !exported.isBlank()) {
      return Optional.of(exported);
    }
    String master = conf.get("spark.master", "");
    if (master.startsWith("spark://")) {
      throw JobErrors.missingAuthSecret(master, AUTH_SECRET_VARIABLE);
    }
    return Optional.empty();
  }

  /** Settings every session of this project needs, whoever builds it (jobs, tests, notebooks). */
  public static SparkSession.Builder withRequiredSettings(SparkSession.Builder builder) {
    return builder
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config(
            "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrator", Nd4jKryoRegistrator.class.getName())
        .config("spark.sql.session.timeZone", "UTC");
  }

  /** Work a tool does on the tables under its data-dir. */
  @FunctionalInterface
  public interface StoreWork<E extends Exception> {
    void run(DeltaStore store) throws E;
  }

  /**
   * Opens a session for {@code config}, runs {@code work} on the store at its data-dir and stops
   * the session, whatever the work ends with: the one way the tools outside the stages run.
   */
  public static <E extends Exception> void withStore(JobConfig config, StoreWork<E> work) throws E {
    SparkSession spark = create(config.spark());
    try {
      work.run(new DeltaStore(spark, config.dataDir()));
    } finally {
      spark.stop();
    }
  }
}
