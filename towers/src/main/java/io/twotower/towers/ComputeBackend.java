package io.twotower.towers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.nd4j.linalg.api.environment.Nd4jEnvironment;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J backend this JVM computes on, as one line for the start of a job's log: which backend
 * the build chose (nd4j-native by default, nd4j-cuda-11.6 with {@code -Pcuda}) and what it found. A
 * CUDA build on a machine without a usable GPU fails while loading the backend, before this line.
 */
public final class ComputeBackend {

  private ComputeBackend() {}

  /** This JVM's backend, loading it if nothing has yet. */
  public static String describe() {
    return describe(
        Nd4j.getBackend().getClass().getSimpleName(),
        Nd4j.getAffinityManager().getNumberOfDevices(),
        Nd4j.getExecutioner().getEnvironmentInformation());
  }

  /**
   * E.g. {@code ND4J backend CpuBackend (CPU): 1 device, 2 cores, BLAS openblas, 1 OpenMP thread}
   * or {@code ND4J backend JCublasBackend (CUDA): 2 devices: [0] Tesla T4 sm_75 15.7 GiB, [1] ...}.
   *
   * @param environment {@code getEnvironmentInformation()}: the keys of {@link Nd4jEnvironment};
   *     CUDA lists one map per device under {@value Nd4jEnvironment#CUDA_DEVICE_INFORMATION_KEY}
   */
  static String describe(String backendClass, int devices, Properties environment) {
    StringBuilder line =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "ND4J backend %s (%s): %d device%s",
                backendClass,
                environment.getOrDefault(Nd4jEnvironment.BACKEND_KEY, "?"),
                devices,
                devices == 1 ? "" : "s"));
    List<String> gpus = new ArrayList<>();
    if (environment.get(Nd4jEnvironment.CUDA_DEVICE_INFORMATION_KEY) instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i) instanceof Map<?, ?> device) {
          gpus.add(
              String.format(
                  Locale.ROOT,
                  "[%d] %s sm_%s%s %.1f GiB",
                  i,
                  device.get(Nd4jEnvironment.CUDA_DEVICE_NAME_KEY),
                  device.get(Nd4jEnvironment.CUDA_DEVICE_MAJOR_VERSION_KEY),
                  device.get(Nd4jEnvironment.CUDA_DEVICE_MINOR_VERSION_KEY),
                  gib(device.get(Nd4jEnvironment.CUDA_TOTAL_MEMORY_KEY))));
        }
      }
    }
    if (!gpus.isEmpty()) {
      line.append(": ").append(String.join(", ", gpus));
    }
    line.append(
        String.format(
            Locale.ROOT,
            "; host %s cores, JVM heap %.1f GiB; BLAS %s, %s OpenMP thread(s)",
            environment.getOrDefault(Nd4jEnvironment.CPU_CORES_KEY, "?"),
            gib(environment.get(Nd4jEnvironment.HOST_TOTAL_MEMORY_KEY)),
            environment.getOrDefault(Nd4jEnvironment.BLAS_VENDOR_KEY, "?"),
            environment.getOrDefault(Nd4jEnvironment.OMP_THREADS_KEY, "?")));
    return line.toString();
  }

  private static double gib(Object bytes) {
    return bytes instanceof Number n ? n.doubleValue() / (1L << 30) : Double.NaN;
  }
}
