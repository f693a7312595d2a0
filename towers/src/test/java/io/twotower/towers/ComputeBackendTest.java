package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ComputeBackendTest {

  @Test
  void thisBuildComputesOnTheCpuBackend() {
    // The default build (no -Pcuda) has nd4j-native only.
    assertThat(ComputeBackend.describe()).startsWith("ND4J backend CpuBackend (CPU): 1 device;");
  }

  @Test
  void namesEveryGpuWithItsComputeCapabilityAndMemory() {
    // What JCublasBackend reports on a two-GPU host (no GPU here, so written by hand with the
    // keys of Nd4jEnvironment); 16 GiB = 17179869184 bytes, 24 GiB heap = 25769803776.
    Properties cuda = new Properties();
    cuda.put("backend", "CUDA");
    cuda.put("cores", 8);
    cuda.put("memory.available", 25_769_803_776L);
    cuda.put("blas.vendor", "CUBLAS");
    cuda.put("omp.threads", 4);
    Map<String, Object> t4 =
        Map.of(
            "cuda.deviceName",
            "Tesla T4",
            "cuda.deviceMajor",
            7,
            "cuda.deviceMinor",
            5,
            "cuda.totalMemory",
            17_179_869_184L);
    Map<String, Object> a100 =
        Map.of(
            "cuda.deviceName",
            "A100-SXM4-40GB",
            "cuda.deviceMajor",
            8,
            "cuda.deviceMinor",
            0,
            "cuda.totalMemory",
            42_949_672_960L);
    cuda.put("cuda.devicesInformation", List.of(t4, a100));

    assertThat(ComputeBackend.describe("JCublasBackend", 2, cuda))
        .isEqualTo(
            "ND4J backend JCublasBackend (CUDA): 2 devices: [0] Tesla T4 sm_75 16.0 GiB,"
                + " [1] A100-SXM4-40GB sm_80 40.0 GiB; host 8 cores, JVM heap 24.0 GiB; BLAS CUBLAS,"
                + " 4 OpenMP thread(s)");
  }
}
