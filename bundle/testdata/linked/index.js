"use strict";
// Hand-written fnguard test input in the shape of esbuild --bundle --minify --legal-comments=linked.
var c=(e,t)=>()=>(t||e((t={exports:{}}).exports,t),t.exports);var m=c((a,b)=>{b.exports=function(){}});exports.handler=async()=>m();
/*! For license information please see index.js.LEGAL.txt */
