package dev.rankwise.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The comparison behind {@link ReadmeSnippetsTest}: what it ignores and what it does not. */
class SnippetsTest {

  private static final String README = String.join("\n",
      "# title",
      "## Use it",
      "text",
      "```xml",
      "<a>",
      "  <b>1</b>",
      "  ...",
      "</a>",
      "```",
      "```sh",
      "# not a heading: inside a fence",
      "```",
      "### a subsection still belongs to it",
      "```java",
      "int x = f(a,",
      "    b); // prints 3",
      "```",
      "## Next",
      "```java",
      "other();",
      "```",
      "");

  @Test
  void blocksOfOneSectionAndLanguageWithTheirLines() {
    List<Snippets.Block> xml = Snippets.blocks(README, "Use it", "xml");
    assertEquals(1, xml.size());
    assertEquals(List.of("<a>", "  <b>1</b>", "  ...", "</a>"), xml.get(0).lines());
    assertEquals(5, xml.get(0).firstLine());
    assertEquals(8, xml.get(0).lastLine());

    List<Snippets.Block> java = Snippets.blocks(README, "Use it", "java");
    assertEquals(1, java.size(), "the subsection's block, not the next section's");
    assertEquals(List.of("int x=f(a,b);"), java.get(0).fragments(Snippets::normalizeJava));
  }

  @Test
  void aMissingHeadingFails() {
    AssertionError error =
        assertThrows(AssertionError.class, () -> Snippets.blocks(README, "Usage", "xml"));
    assertEquals("README.md has no heading \"Usage\"", error.getMessage());
  }

  @Test
  void elisionLinesCutABlockIntoFragments() {
    Snippets.Block block = new Snippets.Block("s", "xml", 1, 6,
        List.of("...", "<a>", "  <!-- ... -->", "</a>", "  ...  ", "<c/>"));
    assertEquals(List.of("<a>", "</a>", "<c/>"), block.fragments(Snippets::normalizeXml));
  }

  @Test
  void whitespaceAndLineBreaksDoNotMatterButTokensDo() {
    assertEquals(Snippets.normalizeJava("new Foo(a, b).bar();"),
        Snippets.normalizeJava("new Foo(\n    a,\n    b)\n  .bar( );"));
    assertNotEquals(Snippets.normalizeJava("int x;"), Snippets.normalizeJava("intx;"));
    assertNotEquals(Snippets.normalizeJava("f(a, b);"), Snippets.normalizeJava("f(b, a);"));
    assertEquals("<a><b>x y</b></a>", Snippets.normalizeXml("<a>\n  <b>x   y</b>\n</a>"));
  }

  @Test
  void commentsAreIgnoredOutsideStringLiterals() {
    assertEquals("f(\"http://x\",'/');g();",
        Snippets.normalizeJava("f(\"http://x\", '/'); // one\n/** two */ g(); /* three */"));
    assertEquals("s(\"a\\\"//b\");", Snippets.normalizeJava("s(\"a \\\" // b\");"),
        "a // inside a string is no comment (its whitespace is normalized like the rest)");
    assertEquals("<a/>", Snippets.normalizeXml("<!-- a\n comment --><a/>"));
  }

  @Test
  void aNearMissNamesTheFileAndWhereItParts() {
    Map<Path, String> files = Map.of(
        Path.of("A.java"), Snippets.normalizeJava("x = attach.attach(model);"),
        Path.of("B.java"), Snippets.normalizeJava("y = 1;"));
    String fragment = Snippets.normalizeJava("x = Foo_Adapter.attach(model);");
    String message = Snippets.nearMiss(fragment, files);
    assertTrue(message.contains("closest: A.java agrees on the first 2 of"), message);
    assertTrue(message.contains("then the README has \"Foo_Adapter.attach(model);\""), message);
    assertTrue(message.contains("where the file has  \"attach.attach(model);\""), message);
  }
}
