// The AWS SDK warns, at its first client, that its 2027 releases need Node.js 22 (DESIGN.md,
// toolchain): noise for an operator here. bin/ferry.ts imports this module first, so the variable
// is set before any module can load the SDK, whatever the bundle hoists. A value the operator set stays.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
