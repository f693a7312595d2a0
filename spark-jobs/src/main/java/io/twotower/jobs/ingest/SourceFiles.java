package io.twotower.jobs.ingest;

import io.twotower.jobs.JobErrors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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

  /**
   * The data files {@code path} (a file, a folder or a glob) stands for, as Spark's readers see
   * them: folders are listed one level deep, and names starting with '_' or '.' (markers,
   * checksums) are left out.
   */
  static List<FileStatus> dataFiles(SparkSession spark, String path) {
    try {
      Path hadoopPath = new Path(path);
      FileSystem fs = hadoopPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
      FileStatus[] matches = fs.globStatus(hadoopPath);
      List<FileStatus> files = new ArrayList<>();
      for (FileStatus match : matches == null ? new FileStatus[0] : matches) {
        for (FileStatus file :
            match.isDirectory() ? fs.listStatus(match.getPath()) : new FileStatus[] {match}) {
          String name = file.getPath().getName();
          if (file.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
            files.add(file);
          }
        }
      }
      return files;
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
