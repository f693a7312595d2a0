package io.twotower.jobs.ingest;

import io.twotower.jobs.JobErrors;
import java.io.IOException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/** File checks through Hadoop's file system, so sources may live locally, on HDFS or S3. */
final class SourceFiles {

  private SourceFiles() {}

  /** True when {@code path} (a file, a folder or a glob) matches something. */
  static boolean exists(SparkSession spark, String path) {
    try {
      Path hadoopPath = new Path(path);
      FileSystem fs = hadoopPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
      FileStatus[] matches = fs.globStatus(hadoopPath);
      return matches != null && matches.length > 0;
    } catch (IOException e) {
      throw JobErrors.pathLookupFailure(path, e);
    }
  }

  /** {@code path} made absolute against the working directory when it is a local relative path. */
  static String absolute(String path) {
    if (new Path(path).toUri().getScheme() != null) {
      return path;
    }
    return java.nio.file.Path.of(path).toAbsolutePath().normalize().toString();
  }
}
