package dev.rankwise.it;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.GeneralCodingRules;

/**
 * Library code never writes to the console: the runtime, the encoders and serving log through slf4j, the
 * processor reports through javac's {@code Messager}, and the application owns standard output and
 * error (progress bars through a listener).
 */
@AnalyzeClasses(
    packages = {"dev.rankwise.runtime", "dev.rankwise.encoders", "dev.rankwise.processor", "dev.rankwise.serving"},
    importOptions = ImportOption.DoNotIncludeTests.class)
class LibraryOutputTest {

  @ArchTest
  static final ArchRule librariesDoNotPrint =
      GeneralCodingRules.NO_CLASSES_SHOULD_ACCESS_STANDARD_STREAMS
          .because("a library logs (slf4j) and leaves the console to the application");
}
