package io.twotower.jobs;

import java.io.IOException;
import java.net.ServerSocket;

/** A TCP port free on this machine right now, for the servers the tests start (moto, clusters). */
public final class FreePorts {
  private FreePorts() {}

  public static int any() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
