package dev.rankwise.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private final AtomicLong clock = new AtomicLong();

  private String output() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void onATerminalOneLineIsRedrawnWithRateAndEta() {
    ProgressBar bar = new ProgressBar("train", 100, out, true, clock::get);
    clock.addAndGet(2_000_000_000L);
    bar.update(10, "loss 0.5000");
    assertEquals(
        "\rtrain [==>                     ] 10/100  loss 0.5000  5.0 steps/s  ETA 0:18", output());
    clock.addAndGet(1_000_000_000L);
    bar.update(20, "loss 0.4000");
    assertEquals(
        "train [====>                   ] 20/100  loss 0.4000  5.3 steps/s  ETA 0:15",
        output().substring(output().lastIndexOf('\r') + 1));
  }

  @Test
  void elsewhereItPrintsOneLinePerTenth() {
    ProgressBar bar = new ProgressBar("train", 50, out, false, clock::get);
    for (int step = 1; step <= 50; step++) {
      clock.addAndGet(100_000_000L);
      bar.update(step, "loss 1.0000");
    }
    clock.addAndGet(0);
    bar.finish("accuracy 0.9");
    String[] lines = output().split("\n");
    assertEquals(11, lines.length);
    assertEquals("train [==>                     ] 5/50  loss 1.0000  10.0 steps/s  ETA 0:05", lines[0]);
    assertEquals("train done: 50/50 in 0:05  accuracy 0.9", lines[10]);
  }

  @Test
  void theRateCountsTheGivenUnit() {
    ProgressBar bar = new ProgressBar("encode", "texts", 40, out, true, clock::get);
    clock.addAndGet(1_000_000_000L);
    bar.update(20, "");
    assertEquals("\rencode [============>           ] 20/40  20.0 texts/s  ETA 0:01", output().stripTrailing());
  }
}
