package io.twotower.jobs.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * File operations on {@link DataLocation}s through Hadoop's FileSystem API, so the same code works
 * on the local disk, HDFS and object stores. Methods throw {@link IOException}; callers turn it
 * into a JobErrors message that names what they were doing.
 *
 * <p>Object stores have no atomic rename of a folder (S3A copies it): what must appear atomically
 * is written completely first and then named by a small file written last (see ModelStore).
 */
public final class HadoopFiles {

  /** Schemes of object stores, where a file appears whole once written and a rename copies. */
  private static final Set<String> OBJECT_STORES = Set.of("s3a", "s3", "gs", "oss", "cosn");

  private final Configuration hadoop;

  public HadoopFiles(Configuration hadoop) {
    this.hadoop = hadoop;
  }

  public Configuration configuration() {
    return hadoop;
  }

  public boolean exists(DataLocation location) throws IOException {
    return fs(location).exists(location.hadoopPath());
  }

  public boolean isFile(DataLocation location) throws IOException {
    return fs(location).isFile(location.hadoopPath());
  }

  /** A new file (replacing one of that name); parent folders are created as needed. */
  public OutputStream create(DataLocation file) throws IOException {
    return fs(file).create(file.hadoopPath(), true);
  }

  public InputStream open(DataLocation file) throws IOException {
    return fs(file).open(file.hadoopPath());
  }

  public void writeString(DataLocation file, String text) throws IOException {
    try (OutputStream out = create(file)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  public String readString(DataLocation file) throws IOException {
    try (InputStream in = open(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The names of the entries directly in {@code folder}; empty when it does not exist. */
  public List<String> list(DataLocation folder) throws IOException {
    FileSystem fs = fs(folder);
    List<String> names = new ArrayList<>();
    if (!fs.exists(folder.hadoopPath())) {
      return names;
    }
    for (FileStatus status : fs.listStatus(folder.hadoopPath())) {
      names.add(status.getPath().getName());
    }
    return names;
  }

  /**
   * Replaces {@code file} with {@code text} so that a reader sees the old content or the new, never
   * a missing, empty or partial file. Object stores make a file visible whole when its upload
   * completes, so there it is written in place; file systems with a rename that replaces atomically
   * (the local disk, HDFS) get a temporary file that is then renamed over it.
   */
  public void writeAtomically(DataLocation file, String text) throws IOException {
    writeAtomically(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Writes the bytes of one file, to a stream the caller must not close. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /** {@link #writeAtomically(DataLocation, String)} for content written by {@code content}. */
  public void writeAtomically(DataLocation file, Content content) throws IOException {
    FileSystem fs = fs(file);
    if (OBJECT_STORES.contains(fs.getScheme())) {
      try (OutputStream out = create(file)) {
        content.writeTo(out);
      }
      return;
    }
    DataLocation temporary = file.parent().resolve("_tmp-" + file.name() + "-" + UUID.randomUUID());
    if (fs instanceof ChecksumFileSystem checksummed) {
      // No .crc beside a pointer: the content and its checksum file could not be swapped in one
      // step, and a reader in between would fail the checksum.
      fs = checksummed.getRawFileSystem();
    }
    try (OutputStream out = fs.create(temporary.hadoopPath(), true)) {
      content.writeTo(out);
    }
    if (fs instanceof RawLocalFileSystem) {
      // rename(2) replaces the target atomically
      if (!fs.rename(temporary.hadoopPath(), file.hadoopPath())) {
        throw new IOException("cannot rename " + temporary + " to " + file);
      }
      return;
    }
    FileContext.getFileContext(file.hadoopPath().toUri(), hadoop)
        .rename(temporary.hadoopPath(), file.hadoopPath(), Options.Rename.OVERWRITE);
  }

  /** Moves a folder; false when the target exists (nothing moved). */
  public boolean rename(DataLocation from, DataLocation to) throws IOException {
    FileSystem fs = fs(to);
    return !fs.exists(to.hadoopPath()) && fs.rename(from.hadoopPath(), to.hadoopPath());
  }

  public void deleteRecursively(DataLocation location) throws IOException {
    fs(location).delete(location.hadoopPath(), true);
  }

  private FileSystem fs(DataLocation location) throws IOException {
    return location.fileSystem(hadoop);
  }
}
