package dev.rankwise.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * What the README tells a library user is what {@code samples/} builds: every {@code xml} block of
 * the README's sections {@value #USE_IT} and {@value #DECLARE} is in {@code samples/pom.xml}, and
 * every {@code java} block is in the samples' sources. The samples build in the invoker step
 * against the installed artifacts, so a README snippet that no longer compiles or resolves fails
 * the build.
 *
 * <p>Blocks are compared modulo whitespace and comments (the README may annotate a line with its
 * output). A line that is only {@code ...} (or {@code <!-- ... -->}, {@code // ...}) stands for
 * omitted text: it cuts the block into fragments, and each fragment must appear whole. The
 * fragments of an {@code xml} block appear in the pom in order; each fragment of a {@code java}
 * block appears in some source file, so one block may show a declaration and its use from two
 * files.
 */
class ReadmeSnippetsTest {

  static final String USE_IT = "Use it in your project";
  static final String DECLARE = "Declare → attach → train → merge";

  private static final Path ROOT = Path.of(System.getProperty("rankwise.root", "..")).normalize();

  @TestFactory
  Stream<DynamicTest> pomLinesOfTheReadmeAreInTheSamplesPom() throws IOException {
    String version = System.getProperty("rankwise.version");
    assertNotNull(version, "the build passes the project version as rankwise.version");
    Path pom = ROOT.resolve("samples/pom.xml");
    // As maven-invoker-plugin filters it before the samples build.
    String filtered = Files.readString(pom).replace("@project.version@", version);
    return blocks("xml").stream()
        .map(block -> dynamicTest(block.toString(),
            () -> assertInOneFile(block, ROOT.relativize(pom), Snippets.normalizeXml(filtered))));
  }

  @TestFactory
  Stream<DynamicTest> javaOfTheReadmeIsInTheSamplesSources() throws IOException {
    Map<Path, String> sources = new LinkedHashMap<>();
    try (Stream<Path> files = Files.walk(ROOT.resolve("samples/src"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        sources.put(ROOT.relativize(file), Snippets.normalizeJava(Files.readString(file)));
      }
    }
    assertFalse(sources.isEmpty(), "no Java sources under " + ROOT.resolve("samples/src"));
    return blocks("java").stream()
        .map(block -> dynamicTest(block.toString(), () -> assertEachInSomeFile(block, sources)));
  }

  /** The blocks of one language in the two sections; fails if there is none to check. */
  private static List<Snippets.Block> blocks(String language) throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    List<Snippets.Block> blocks = new ArrayList<>();
    for (String section : List.of(USE_IT, DECLARE)) {
      blocks.addAll(Snippets.blocks(readme, section, language));
    }
    assertFalse(blocks.isEmpty(), "README.md has no ```" + language + " block under the headings \""
        + USE_IT + "\" and \"" + DECLARE + "\": renamed? This test reads them there.");
    return blocks;
  }

  private static void assertInOneFile(Snippets.Block block, Path file, String text) {
    int from = 0;
    for (String fragment : block.fragments(Snippets::normalizeXml)) {
      int at = text.indexOf(fragment, from);
      if (at < 0) {
        fail(block + ": not in " + file + " (after what matched before it)\n"
            + Snippets.nearMiss(fragment, Map.of(file, text.substring(from))));
      }
      from = at + fragment.length();
    }
  }

  private static void assertEachInSomeFile(Snippets.Block block, Map<Path, String> sources) {
    List<String> missing = new ArrayList<>();
    for (String fragment : block.fragments(Snippets::normalizeJava)) {
      if (sources.values().stream().noneMatch(text -> text.contains(fragment))) {
        missing.add(Snippets.nearMiss(fragment, sources));
      }
    }
    if (!missing.isEmpty()) {
      fail(block + ": not in samples/src\n" + missing.stream().collect(Collectors.joining("\n")));
    }
  }
}
