/*
 * Hand-written fnguard test input in the shape of a webpack 5 development build
 * (mode: "development", devtool: false): module ids are paths relative to the
 * build's context folder.
 */
/******/ (() => { // webpackBootstrap
/******/ 	var __webpack_modules__ = ({

/***/ "./node_modules/lodash/lodash.js":
/*!***************************************!*\
  !*** ./node_modules/lodash/lodash.js ***!
  \***************************************/
/***/ (function(module, exports, __webpack_require__) {
var VERSION = '4.17.21';
module.exports = { VERSION: VERSION };
/***/ }),

/***/ "./node_modules/@babel/runtime/helpers/esm/defineProperty.js":
/*!*******************************************************************!*\
  !*** ./node_modules/@babel/runtime/helpers/esm/defineProperty.js ***!
  \*******************************************************************/
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {
"use strict";
__webpack_require__.r(__webpack_exports__);
/***/ }),

/***/ "../../node_modules/ms/index.js":
/*!**************************************!*\
  !*** ../../node_modules/ms/index.js ***!
  \**************************************/
/***/ ((module) => {
module.exports = function (val) { return val; };
/***/ }),

/***/ "./node_modules/debug/node_modules/ms/index.js":
/***/ ((module) => {
module.exports = function (val) { return val; };
/***/ }),

/***/ "./node_modules/axios/package.json":
/*!*****************************************!*\
  !*** ./node_modules/axios/package.json ***!
  \*****************************************/
/***/ ((module) => {
"use strict";
module.exports = JSON.parse('{"name":"axios","version":"0.21.1","description":"Promise based HTTP client for the browser and node.js","main":"index.js","license":"MIT"}');
/***/ }),

/***/ "./src/handler.js":
/***/ ((module, __unused_webpack_exports, __webpack_require__) => {
const _ = __webpack_require__(/*! lodash */ "./node_modules/lodash/lodash.js");
const pkg = __webpack_require__(/*! axios/package.json */ "./node_modules/axios/package.json");
// a string that merely mentions a path is not a module id:
const hint = "see ./node_modules/left-pad/index.js for details";
const other = cond ? "./node_modules/right-pad/index.js" : null;
module.exports.handler = async () => ({ statusCode: 200, body: _.VERSION + pkg.version + hint + other });
/***/ })

/******/ 	});
/******/ 	var __webpack_module_cache__ = {};
/******/ 	function __webpack_require__(moduleId) {
/******/ 		var module = __webpack_module_cache__[moduleId] = { exports: {} };
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __webpack_require__);
/******/ 		return module.exports;
/******/ 	}
/******/ 	var __webpack_exports__ = __webpack_require__("./src/handler.js");
/******/ 	module.exports = __webpack_exports__;
/******/ })()
;
