# Install rules and the three Debian packages (issue 19, "Packages"; README "Install on a server").
#   verbatim-relay    the relay and its admin commands, the systemd unit, /etc/verbatim/relay.conf
#   verbatim          the app and verbatim-cli, registered for verbatim:// links
#   verbatim-journal  the compliance tool
# `packaging/dev.sh package` builds them with CPack into build/packages/ and runs lintian.
#
# The app's QML modules (client/qt, URI Verbatim; qml/*/, URIs Verbatim.*) are static libraries
# compiled into the `verbatim` executable with their QML files in the resources, so there is no
# module directory to install;
# what it imports at run time comes from Qt's own packages (the app's Depends below).
include(GNUInstallDirs)

set(_pkg ${CMAKE_SOURCE_DIR}/packaging)
# Debian 12 keeps unit files in /lib/systemd/system (lintian checks for it).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(_unitdir_default /lib/systemd/system)
else()
  set(_unitdir_default ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
set(VERBATIM_SYSTEMD_UNIT_DIR ${_unitdir_default} CACHE PATH "Where verbatim-relay.service is installed")
set(_etc ${CMAKE_INSTALL_FULL_SYSCONFDIR}/verbatim)

# ---- programs --------------------------------------------------------------------------------
install(TARGETS verbatim-relay RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT relay)
install(TARGETS verbatim verbatim-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT app)
install(TARGETS verbatim-journal RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT journal)

# ---- the relay as a service ------------------------------------------------------------------
install(FILES ${_pkg}/systemd/verbatim-relay.service DESTINATION ${VERBATIM_SYSTEMD_UNIT_DIR} COMPONENT relay)
install(FILES ${_pkg}/relay.conf DESTINATION ${_etc} PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
        COMPONENT relay)

# ---- the app on the desktop ------------------------------------------------------------------
install(FILES ${_pkg}/verbatim.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT app)
install(FILES ${_pkg}/icons/verbatim.svg DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps COMPONENT app)
install(FILES ${_pkg}/verbatim.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo COMPONENT app)

# ---- man pages from --help, changelog and copyright per package -------------------------------
set(_gen ${CMAKE_BINARY_DIR}/package-files)
set(_manpages)
function(verbatim_man_page target name summary component)
  set(out ${_gen}/man/${name}.1.gz)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_gen}/man
    COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${target}> -DNAME=${name} "-DSUMMARY=${summary}"
            -DVERSION=${PROJECT_VERSION} -DOUT=${out} -P ${CMAKE_SOURCE_DIR}/cmake/ManPage.cmake
    DEPENDS ${target} ${CMAKE_SOURCE_DIR}/cmake/ManPage.cmake
    COMMENT "Man page ${name}(1) from its --help" VERBATIM)
  install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT ${component})
  set(_manpages ${_manpages} ${out} PARENT_SCOPE)
endfunction()
verbatim_man_page(verbatim-relay verbatim-relay "the Verbatim relay: serve, set up, administer and back up" relay)
verbatim_man_page(verbatim-cli verbatim-cli "the Verbatim messenger on the command line" app)
verbatim_man_page(verbatim verbatim "the Verbatim app: encrypted, journaled messaging for law firms" app)
verbatim_man_page(verbatim-journal verbatim-journal "pull, verify, search and export a firm's compliance journal" journal)

# Debian wants the changelog gzip'd without a timestamp (-n), one per package.
set(_changelog ${_gen}/changelog.Debian.gz)
add_custom_command(OUTPUT ${_changelog}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_gen}
  COMMAND sh -c "gzip -n -9 -c '${_pkg}/debian/changelog' > '${_changelog}'"
  DEPENDS ${_pkg}/debian/changelog VERBATIM)
add_custom_target(verbatim_package_files ALL DEPENDS ${_manpages} ${_changelog})

foreach(c relay app journal)
  if(c STREQUAL "relay")
    set(name verbatim-relay)
  elseif(c STREQUAL "app")
    set(name verbatim)
  else()
    set(name verbatim-journal)
  endif()
  install(FILES ${_pkg}/debian/copyright ${_changelog} DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${name} COMPONENT ${c})
  if(EXISTS ${_pkg}/debian/${name}.lintian-overrides)
    install(FILES ${_pkg}/debian/${name}.lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
            RENAME ${name} COMPONENT ${c})
  endif()
endforeach()
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/verbatim-relay COMPONENT relay)

# ---- CPack: one .deb per component ------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME verbatim)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Verbatim")
set(CPACK_PACKAGE_CONTACT "Verbatim maintainers <maintainers@users.noreply.r-seed-b4c9cc48.example>")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_SOURCE_DIR}/build/packages)
set(CPACK_COMPONENTS_ALL relay app journal)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies come from dpkg-shlibdeps, added to the Depends given here.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_RELAY_PACKAGE_NAME verbatim-relay)
set(CPACK_DEBIAN_RELAY_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RELAY_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_RELAY_PACKAGE_CONTROL_EXTRA
    "${_pkg}/debian/relay/conffiles;${_pkg}/debian/relay/postinst;${_pkg}/debian/relay/prerm;${_pkg}/debian/relay/postrm")
set(CPACK_DEBIAN_RELAY_DESCRIPTION "relay server of the Verbatim law-firm messenger
The relay of Verbatim, an end-to-end encrypted messenger for law firms
with a compliance journal. It stores and forwards encrypted messages,
keys and attachments for the firm's devices and keeps the journal that
compliance officers pull. It cannot read messages.
.
This package holds verbatim-relay (serve, init, admin, backup and
restore), a hardened systemd unit and /etc/verbatim/relay.conf. It
creates the verbatim system user; data lives in /var/lib/verbatim.")

set(CPACK_DEBIAN_APP_PACKAGE_NAME verbatim)
set(CPACK_DEBIAN_APP_PACKAGE_SECTION net)
# QML modules are loaded at run time, so dpkg-shlibdeps cannot see them.
set(CPACK_DEBIAN_APP_PACKAGE_DEPENDS
    "qml6-module-qtquick, qml6-module-qtquick-controls, qml6-module-qtquick-layouts, qml6-module-qtquick-window, qml6-module-qtquick-templates, qml6-module-qtqml-workerscript, qml6-module-qtquick-dialogs, qml6-module-qt-labs-folderlistmodel, qt6-qpa-plugins")
# Reactions and the emoji picker are drawn in colour with it; without it, in the system's fallback.
set(CPACK_DEBIAN_APP_PACKAGE_RECOMMENDS "fonts-noto-color-emoji")
set(CPACK_DEBIAN_APP_DESCRIPTION "end-to-end encrypted messenger for law firms
Verbatim lets lawyers talk to their clients end to end encrypted while
the firm keeps the compliance journal regulators require. This package
holds the desktop app (registered for verbatim:// enrolment and invite
links) and verbatim-cli, the same client on the command line.")

set(CPACK_DEBIAN_JOURNAL_PACKAGE_NAME verbatim-journal)
set(CPACK_DEBIAN_JOURNAL_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_JOURNAL_DESCRIPTION "compliance journal tool of the Verbatim messenger
verbatim-journal makes the firm's journal key, pulls the encrypted
journal from a Verbatim relay into a local archive, verifies its hash
chain, signatures and checkpoints, searches it and exports matters as
RSMF or CSV for review.")

include(CPack)
