package io.twotower.jobs.storage;

import java.io.IOException;
import java.nio.file.Paths;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A folder or file the pipeline reads or writes: a Hadoop file system URI ({@code file:}, {@code
 * hdfs:}, {@code s3a:}, {@code abfss:}, {@code gs:}, ...). A plain path means the local disk and is
 * made absolute against the working directory once, here, so every later use (Delta, Spark, the
 * model store, log lines, error messages) sees the same fully qualified URI.
 *
 * <p>Every byte under a location goes through Spark/Delta or {@link #fileSystem}, with the Hadoop
 * configuration of the session ({@code spark.hadoop.*} settings): executors on other machines then
 * reach the same storage as the driver.
 */
public final class DataLocation {

  // A scheme followed by a slash ("s3a://b", "file:/x", "file:///x"); anything else (e.g. "a:b" or
  // a relative folder) is a local path, so a colon in a folder name does not become a scheme.
  private static final Pattern URI_WITH_SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:/.*");

  private final Path path;

  private DataLocation(Path path) {
    this.path = path;
  }

  /** A URI as given, or a plain (relative or absolute) local path as an absolute file: URI. */
  public static DataLocation of(String location) {
    Objects.requireNonNull(location, "location");
    if (URI_WITH_SCHEME.matcher(location).matches()) {
      return new DataLocation(new Path(location));
    }
    return local(Paths.get(location));
  }

  /** A folder on the local disk (tests, local tools), as an absolute file: URI. */
  public static DataLocation local(java.nio.file.Path folder) {
    // Not Path(URI): it would keep the trailing slash java.nio adds for existing folders.
    return new DataLocation(new Path("file", null, folder.toAbsolutePath().normalize().toString()));
  }

  /** The location {@code child} below this one ({@code child} may hold several segments). */
  public DataLocation resolve(String child) {
    return new DataLocation(new Path(path, child));
  }

  /** The location above this one, or this one at a file system's root. */
  public DataLocation parent() {
    Path parent = path.getParent();
    return parent == null ? this : new DataLocation(parent);
  }

  /** The last segment (a file or folder name). */
  public String name() {
    return path.getName();
  }

  /** The Hadoop path, for the FileSystem API. */
  public Path hadoopPath() {
    return path;
  }

  /** The file system that holds this location, configured by {@code hadoop}. */
  public FileSystem fileSystem(Configuration hadoop) throws IOException {
    return path.getFileSystem(hadoop);
  }

  /**
   * The URI, as Spark, Delta and Hadoop accept it (e.g. {@code file:/data/tt}, {@code s3a://b/tt}).
   */
  @Override
  public String toString() {
    return path.toString();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof DataLocation that && path.toUri().equals(that.path.toUri());
  }

  @Override
  public int hashCode() {
    return path.toUri().hashCode();
  }
}
