; cess-sync: Explorer's right-click "Share with CESS..." (docs/sharing.md, "Right-click in the file
; manager"). electron-builder includes this file (electron-builder.yml nsis.include) and calls the
; macros below from its install and uninstall sections.
;
; SHCTX is HKCU for a per-user install (the default here, perMachine: false) and HKLM for a
; per-machine one, so the verb lives beside the rest of the app's registration. Both "*" (every
; file) and "Directory" (folders) get it. Explorer runs the command once per selected item with
; the item's full path as %1; it is quoted, so any file name arrives as one argument. The app's
; executable hands `share <path>` to the running daemon, which opens the share dialog.

!define CESS_SYNC_SHARE_VERB "CessSyncShare"
!define CESS_SYNC_SHARE_LABEL "Share with CESS..."

!macro cessSyncRegisterShareVerb CLASS
  WriteRegStr SHCTX "Software\Classes\${CLASS}\shell\${CESS_SYNC_SHARE_VERB}" "" "${CESS_SYNC_SHARE_LABEL}"
  WriteRegStr SHCTX "Software\Classes\${CLASS}\shell\${CESS_SYNC_SHARE_VERB}" "Icon" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}",0'
  WriteRegStr SHCTX "Software\Classes\${CLASS}\shell\${CESS_SYNC_SHARE_VERB}\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" share "%1"'
!macroend

!macro customInstall
  !insertmacro cessSyncRegisterShareVerb "*"
  !insertmacro cessSyncRegisterShareVerb "Directory"
!macroend

!macro customUnInstall
  DeleteRegKey SHCTX "Software\Classes\*\shell\${CESS_SYNC_SHARE_VERB}"
  DeleteRegKey SHCTX "Software\Classes\Directory\shell\${CESS_SYNC_SHARE_VERB}"
!macroend
