package io.twotower.jobs.storage;

import io.twotower.jobs.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;

/**
 * A real S3 API server on 127.0.0.1 for tests: the server mode of the {@code moto} package from
 * PyPI, installed by pip into a virtual environment under {@code target/} on first use (reused
 * after: the marker file names the pinned version) and started on a free port. Buckets live in the
 * server's memory and vanish when it stops.
 */
public final class MotoS3Server implements AutoCloseable {

  /** Pinned so that every run talks to the same server. */
  static final String MOTO = "moto[server]==5.2.5";

  private static final Path VENV = Path.of("target", "venv-moto");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final int port;
  private final Path log;

  private MotoS3Server(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Installs moto if needed and starts its server; fails naming the log when it cannot. */
  public static MotoS3Server start() throws IOException, InterruptedException {
    Path server = installed();
    int port = FreePorts.any();
    Path log = Path.of("target", "moto-server-" + port + ".log").toAbsolutePath();
    Process process =
        new ProcessBuilder(server.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    MotoS3Server moto = new MotoS3Server(process, port, log);
    try {
      moto.awaitReady();
    } catch (IOException | InterruptedException | RuntimeException e) {
      moto.close();
      throw e;
    }
    return moto;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** Creates a bucket (moto accepts unsigned requests). */
  public void createBucket(String bucket) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(endpoint() + "/" + bucket))
                    .PUT(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(
          "creating bucket " + bucket + ": HTTP " + response.statusCode() + " " + response.body());
    }
  }

  /**
   * The s3a settings that reach this server, as a user sets them with {@code --conf
   * spark.hadoop.fs.s3a.*}: its endpoint without TLS, path-style URLs (no bucket DNS names on
   * 127.0.0.1) and dummy keys, which moto accepts without checking signatures.
   */
  public void configure(Configuration hadoop) {
    hadoop.set("fs.s3a.endpoint", endpoint());
    hadoop.set("fs.s3a.endpoint.region", "us-east-1");
    hadoop.setBoolean("fs.s3a.path.style.access", true);
    hadoop.setBoolean("fs.s3a.connection.ssl.enabled", false);
    hadoop.set(
        "fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    hadoop.set("fs.s3a.access.key", "testing");
    hadoop.set("fs.s3a.secret.key", "testing");
    // Fail fast instead of retrying for minutes when the server is gone.
    hadoop.setInt("fs.s3a.attempts.maximum", 2);
    hadoop.setInt("fs.s3a.retry.limit", 2);
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private void awaitReady() throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("moto_server exited at start; see " + log);
      }
      try {
        int status =
            http.send(
                    HttpRequest.newBuilder(URI.create(endpoint() + "/")).GET().build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode();
        if (status == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IOException("moto_server did not answer within " + START_TIMEOUT + "; see " + log);
  }

  /** target/venv-moto/bin/moto_server, creating the environment first when needed. */
  private static Path installed() throws IOException, InterruptedException {
    Path marker = VENV.resolve("installed.txt");
    Path server = VENV.resolve("bin").resolve("moto_server").toAbsolutePath();
    if (Files.isExecutable(server)
        && Files.isRegularFile(marker)
        && Files.readString(marker).trim().equals(MOTO)) {
      return server;
    }
    Path log = Path.of("target", "venv-moto-install.log").toAbsolutePath();
    run(log, "python3", "-m", "venv", VENV.toString());
    run(log, VENV.resolve("bin").resolve("pip").toString(), "install", "--quiet", MOTO);
    Files.writeString(marker, MOTO + "\n");
    return server;
  }

  private static void run(Path log, String... command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(List.of(command))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(
          "installing " + MOTO + " failed: " + String.join(" ", command) + "; see " + log);
    }
  }
}
