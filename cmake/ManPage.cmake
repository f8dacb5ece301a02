# Writes a section-1 man page from a program's --help text, gzip'd as Debian wants it.
# cmake -DPROGRAM=path -DNAME=verbatim-relay -DSUMMARY="..." -DVERSION=0.1.0 -DOUT=file.1.gz -P ManPage.cmake
# The usage text is the one source of truth for options; the page shows it verbatim (no-fill),
# so it never drifts from what `--help` prints.
foreach(v PROGRAM NAME SUMMARY VERSION OUT)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "ManPage.cmake: ${v} is not set")
  endif()
endforeach()
# The app parses its command line after creating its QGuiApplication: no display is needed.
set(ENV{QT_QPA_PLATFORM} offscreen)
get_filename_component(_dir "${OUT}" DIRECTORY)
set(ENV{XDG_RUNTIME_DIR} "${_dir}")
execute_process(COMMAND "${PROGRAM}" --help OUTPUT_VARIABLE help RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 0 OR help STREQUAL "")
  message(FATAL_ERROR "${PROGRAM} --help failed (${rc})")
endif()
# QCommandLineParser prints the path it was started as.
string(REPLACE "${PROGRAM}" "${NAME}" help "${help}")
# roff: a backslash is \e, a minus sign is \-, and a line may not start with . or '.
string(REPLACE "\\" "\\e" help "${help}")
string(REPLACE "-" "\\-" help "${help}")
string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
string(TOUPPER "${NAME}" upper)
string(REPLACE "-" "\\-" name "${NAME}")
set(page ".TH ${upper} 1 \"\" \"Verbatim ${VERSION}\" \"User Commands\"
.SH NAME
${name} \\- ${SUMMARY}
.SH SYNOPSIS AND OPTIONS
The text below is what
.B ${name} \\-\\-help
prints.
.PP
.nf
${help}.fi
.SH SEE ALSO
The README of Verbatim, installed in /usr/share/doc/, and
.BR verbatim\\-relay (1),
.BR verbatim\\-cli (1),
.BR verbatim\\-journal (1).
")
string(REGEX REPLACE "\\.gz$" "" plain "${OUT}")
file(WRITE "${plain}" "${page}")
execute_process(COMMAND gzip -n -9 -f "${plain}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip ${plain} failed")
endif()
