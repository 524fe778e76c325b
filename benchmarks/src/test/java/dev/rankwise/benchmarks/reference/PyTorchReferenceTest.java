package dev.rankwise.benchmarks.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rankwise.benchmarks.JsonProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PyTorchReferenceTest {

  @Test
  void withoutTorchItSaysHowToInstallIt() {
    StringBuilder whyNot = new StringBuilder();
    assertTrue(PyTorchReference.find(List.of("/nonexistent/python3", "/bin/false"), Path.of("x.py"), 2, whyNot)
        .isEmpty());
    assertTrue(whyNot.toString().contains("tried /nonexistent/python3, /bin/false"), whyNot.toString());
    assertTrue(whyNot.toString().contains("apt-get install python3-torch libopenblas0-openmp"), whyNot.toString());
  }

  @Test
  void aMeasurementIsTheLastLineOfItsOutput(@TempDir Path directory) throws Exception {
    var result = JsonProcess.run(List.of("sh", "-c", "echo warming up; echo '{\"threads\": '$OMP_NUM_THREADS'}'"),
        PyTorchReference.threadEnvironment(2), directory.resolve("log"));
    assertEquals(2, result.get("threads").getAsInt(), "the thread cap reaches the process");
  }

  @Test
  void aFailedMeasurementQuotesItsLog(@TempDir Path directory) {
    IOException error = assertThrows(IOException.class, () -> JsonProcess.run(
        List.of("sh", "-c", "echo 'bad export: no tensor head.weight' >&2; exit 2"), Map.of(),
        directory.resolve("log")));
    assertTrue(error.getMessage().contains("exit 2") && error.getMessage().contains("no tensor head.weight"),
        error.getMessage());
    IOException notJson = assertThrows(IOException.class, () -> JsonProcess.run(
        List.of("sh", "-c", "echo done"), Map.of(), directory.resolve("log2")));
    assertTrue(notJson.getMessage().contains("did not end its output with a JSON object"), notJson.getMessage());
  }
}
