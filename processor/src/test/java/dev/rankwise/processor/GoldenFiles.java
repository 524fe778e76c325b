package dev.rankwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import javax.tools.JavaFileObject;

/**
 * Compares generated sources with the golden files in {@code src/test/resources/expected}, or
 * rewrites the goldens from the processor's output when run with {@code
 * -Drankwise.updateGoldens=true} (never edit them by hand).
 */
final class GoldenFiles {

  private static final Path EXPECTED = Paths.get("src", "test", "resources", "expected");

  private GoldenFiles() {}

  static boolean updating() {
    return Boolean.parseBoolean(System.getProperty("rankwise.updateGoldens", "false"));
  }

  /** Asserts (or, when updating, rewrites) the golden of one generated class. */
  static void check(Compilation compilation, String qualifiedName) {
    String simpleName = qualifiedName.substring(qualifiedName.lastIndexOf('.') + 1);
    Path golden = EXPECTED.resolve(simpleName + ".java");
    if (updating()) {
      JavaFileObject generated = compilation.generatedSourceFile(qualifiedName).orElseThrow(
          () -> new AssertionError("the processor generated no " + qualifiedName));
      try {
        Files.createDirectories(golden.getParent());
        Files.writeString(golden, generated.getCharContent(true), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return;
    }
    assertThat(compilation)
        .generatedSourceFile(qualifiedName)
        .hasSourceEquivalentTo(JavaFileObjects.forResource("expected/" + simpleName + ".java"));
    try {
      // Equivalence ignores formatting; the goldens also pin the exact text (determinism).
      String expected = Files.readString(golden, StandardCharsets.UTF_8);
      String actual = compilation.generatedSourceFile(qualifiedName).orElseThrow()
          .getCharContent(true).toString();
      if (!expected.equals(actual)) {
        throw new AssertionError(qualifiedName + " differs from its golden text " + golden
            + "; regenerate with -Drankwise.updateGoldens=true if the change is intended");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
