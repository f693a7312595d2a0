package io.twotower.jobs.storage;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local disk under the scheme {@code failing:}, whose {@code create} fails for files whose name
 * starts with the value of {@link #FAIL_ON} (a crash injected in the middle of a save).
 */
public final class FailingFileSystem extends RawLocalFileSystem {

  public static final String FAIL_ON = "test.failing.fail-on";

  /** A Hadoop configuration that serves {@code failing:} URIs by this class. */
  public static Configuration configuration(String failOn) {
    Configuration conf = new Configuration();
    conf.set("fs.failing.impl", FailingFileSystem.class.getName());
    conf.setBoolean("fs.failing.impl.disable.cache", true);
    conf.set(FAIL_ON, failOn);
    return conf;
  }

  /** {@code folder} as a {@code failing:} location. */
  public static DataLocation location(java.nio.file.Path folder) {
    return DataLocation.of("failing://" + folder.toAbsolutePath());
  }

  @Override
  public URI getUri() {
    return URI.create("failing:///");
  }

  @Override
  public String getScheme() {
    return "failing";
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      FsPermission permission,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    failIfAsked(f);
    return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    failIfAsked(f);
    return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
  }

  private void failIfAsked(Path f) throws IOException {
    String failOn = getConf().get(FAIL_ON, "");
    if (!failOn.isEmpty() && f.getName().startsWith(failOn)) {
      throw new IOException("injected failure creating " + f);
    }
  }
}
